#include "feed/neo4j/bolt/packstream.h"

#include <bit>
#include <cstring>
#include <limits>

namespace retrain::bolt {

bool Node::operator==(const Node&) const = default;
bool Relationship::operator==(const Relationship&) const = default;
bool UnboundRelationship::operator==(const UnboundRelationship&) const = default;
bool Path::operator==(const Path&) const = default;
bool Structure::operator==(const Structure&) const = default;
bool Value::operator==(const Value& o) const { return v == o.v; }

const Value* Value::Find(std::string_view key) const {
  const auto* dict = Get<Dict>();
  if (dict == nullptr) return nullptr;
  for (const auto& [k, val] : *dict) {
    if (k == key) return &val;
  }
  return nullptr;
}

// ---- Encoder ----

void Encoder::Be(uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) Raw(static_cast<uint8_t>(v >> (8 * i)));
}

void Encoder::Null() { Raw(0xC0); }
void Encoder::Bool(bool b) { Raw(b ? 0xC3 : 0xC2); }

void Encoder::Int(int64_t i) {
  if (i >= -16 && i <= 127) {
    Raw(static_cast<uint8_t>(i));
  } else if (i >= -128 && i <= 127) {
    Raw(0xC8);
    Be(static_cast<uint64_t>(i), 1);
  } else if (i >= -32768 && i <= 32767) {
    Raw(0xC9);
    Be(static_cast<uint64_t>(i), 2);
  } else if (i >= std::numeric_limits<int32_t>::min() && i <= std::numeric_limits<int32_t>::max()) {
    Raw(0xCA);
    Be(static_cast<uint64_t>(i), 4);
  } else {
    Raw(0xCB);
    Be(static_cast<uint64_t>(i), 8);
  }
}

void Encoder::Float(double d) {
  Raw(0xC1);
  Be(std::bit_cast<uint64_t>(d), 8);
}

void Encoder::SizedHeader(uint32_t size, uint8_t tiny, uint8_t b8, uint8_t b16, uint8_t b32,
                          bool has_tiny) {
  if (has_tiny && size < 16) {
    Raw(static_cast<uint8_t>(tiny | size));
  } else if (size <= 0xFF) {
    Raw(b8);
    Be(size, 1);
  } else if (size <= 0xFFFF) {
    Raw(b16);
    Be(size, 2);
  } else {
    Raw(b32);
    Be(size, 4);
  }
}

void Encoder::String(std::string_view s) {
  SizedHeader(static_cast<uint32_t>(s.size()), 0x80, 0xD0, 0xD1, 0xD2, true);
  out_.append(s);
}

void Encoder::Bytes(std::span<const uint8_t> b) {
  SizedHeader(static_cast<uint32_t>(b.size()), 0, 0xCC, 0xCD, 0xCE, false);
  out_.append(reinterpret_cast<const char*>(b.data()), b.size());
}

void Encoder::ListHeader(uint32_t size) { SizedHeader(size, 0x90, 0xD4, 0xD5, 0xD6, true); }
void Encoder::DictHeader(uint32_t size) { SizedHeader(size, 0xA0, 0xD8, 0xD9, 0xDA, true); }
void Encoder::StructHeader(uint8_t fields, uint8_t tag) {
  Raw(static_cast<uint8_t>(0xB0 | (fields & 0x0F)));
  Raw(tag);
}

namespace {

void WriteDict(Encoder& e, const Dict& d) {
  e.DictHeader(static_cast<uint32_t>(d.size()));
  for (const auto& [k, v] : d) {
    e.String(k);
    e.Write(v);
  }
}

void WriteStrings(Encoder& e, const std::vector<std::string>& list) {
  e.ListHeader(static_cast<uint32_t>(list.size()));
  for (const auto& s : list) e.String(s);
}

void WriteUnbound(Encoder& e, const UnboundRelationship& r) {
  e.StructHeader(4, kTagUnboundRelationship);
  e.Int(r.id);
  e.String(r.type);
  WriteDict(e, r.properties);
  e.String(r.element_id);
}

void WriteNode(Encoder& e, const Node& n) {
  e.StructHeader(4, kTagNode);
  e.Int(n.id);
  WriteStrings(e, n.labels);
  WriteDict(e, n.properties);
  e.String(n.element_id);
}

}  // namespace

void Encoder::Write(const Value& value) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          Null();
        } else if constexpr (std::is_same_v<T, bool>) {
          Bool(x);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          Int(x);
        } else if constexpr (std::is_same_v<T, double>) {
          Float(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          String(x);
        } else if constexpr (std::is_same_v<T, bolt::Bytes>) {
          Bytes(x.data);
        } else if constexpr (std::is_same_v<T, List>) {
          ListHeader(static_cast<uint32_t>(x.size()));
          for (const auto& item : x) Write(item);
        } else if constexpr (std::is_same_v<T, Dict>) {
          WriteDict(*this, x);
        } else if constexpr (std::is_same_v<T, Node>) {
          WriteNode(*this, x);
        } else if constexpr (std::is_same_v<T, Relationship>) {
          StructHeader(8, kTagRelationship);
          Int(x.id);
          Int(x.start_id);
          Int(x.end_id);
          String(x.type);
          WriteDict(*this, x.properties);
          String(x.element_id);
          String(x.start_element_id);
          String(x.end_element_id);
        } else if constexpr (std::is_same_v<T, UnboundRelationship>) {
          WriteUnbound(*this, x);
        } else if constexpr (std::is_same_v<T, Path>) {
          StructHeader(3, kTagPath);
          ListHeader(static_cast<uint32_t>(x.nodes.size()));
          for (const auto& n : x.nodes) WriteNode(*this, n);
          ListHeader(static_cast<uint32_t>(x.rels.size()));
          for (const auto& r : x.rels) WriteUnbound(*this, r);
          ListHeader(static_cast<uint32_t>(x.indices.size()));
          for (int64_t i : x.indices) Int(i);
        } else if constexpr (std::is_same_v<T, Date>) {
          StructHeader(1, kTagDate);
          Int(x.days);
        } else if constexpr (std::is_same_v<T, Time>) {
          StructHeader(2, kTagTime);
          Int(x.nanoseconds);
          Int(x.tz_offset_seconds);
        } else if constexpr (std::is_same_v<T, LocalTime>) {
          StructHeader(1, kTagLocalTime);
          Int(x.nanoseconds);
        } else if constexpr (std::is_same_v<T, DateTime>) {
          StructHeader(3, kTagDateTime);
          Int(x.seconds);
          Int(x.nanoseconds);
          Int(x.tz_offset_seconds);
        } else if constexpr (std::is_same_v<T, DateTimeZoneId>) {
          StructHeader(3, kTagDateTimeZoneId);
          Int(x.seconds);
          Int(x.nanoseconds);
          String(x.tz_id);
        } else if constexpr (std::is_same_v<T, LocalDateTime>) {
          StructHeader(2, kTagLocalDateTime);
          Int(x.seconds);
          Int(x.nanoseconds);
        } else if constexpr (std::is_same_v<T, Duration>) {
          StructHeader(4, kTagDuration);
          Int(x.months);
          Int(x.days);
          Int(x.seconds);
          Int(x.nanoseconds);
        } else if constexpr (std::is_same_v<T, Point2D>) {
          StructHeader(3, kTagPoint2D);
          Int(x.srid);
          Float(x.x);
          Float(x.y);
        } else if constexpr (std::is_same_v<T, Point3D>) {
          StructHeader(4, kTagPoint3D);
          Int(x.srid);
          Float(x.x);
          Float(x.y);
          Float(x.z);
        } else if constexpr (std::is_same_v<T, Structure>) {
          StructHeader(static_cast<uint8_t>(x.fields.size()), x.tag);
          for (const auto& f : x.fields) Write(f);
        }
      },
      value.v);
}

std::string Encode(const Value& value) {
  std::string out;
  Encoder(out).Write(value);
  return out;
}

// ---- Decoder ----

namespace {

std::unexpected<Error> Malformed(std::string what) {
  return Fail(ErrorCode::kInvalidArgument, "Malformed PackStream data: " + what + ".");
}

}  // namespace

Result<uint64_t> Decoder::Be(int bytes) {
  if (remaining() < static_cast<size_t>(bytes)) return Malformed("value truncated");
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | in_[pos_++];
  return v;
}

Result<std::string> Decoder::Str(uint64_t size) {
  if (remaining() < size) return Malformed("string longer than the data");
  std::string s(reinterpret_cast<const char*>(in_.data() + pos_), size);
  pos_ += size;
  return s;
}

Result<std::pair<uint8_t, uint8_t>> Decoder::ReadStructHeader() {
  if (remaining() < 2) return Malformed("structure header truncated");
  uint8_t marker = in_[pos_];
  if ((marker & 0xF0) != 0xB0) return Malformed("expected a structure");
  pos_ += 2;
  return std::pair<uint8_t, uint8_t>{static_cast<uint8_t>(marker & 0x0F), in_[pos_ - 1]};
}

Result<Value> Decoder::Read() { return ReadAt(0); }

Result<Value> Decoder::ReadAt(int depth) {
  if (depth > kMaxDepth) return Malformed("nesting deeper than 128 levels");
  if (remaining() < 1) return Malformed("value truncated");
  const uint8_t m = in_[pos_++];
  const uint8_t hi = m & 0xF0;
  auto sign = [](uint64_t v, int bytes) -> int64_t {
    int shift = 64 - 8 * bytes;
    return static_cast<int64_t>(v << shift) >> shift;
  };
  uint64_t size = 0;
  enum { kNone, kString, kList, kDict, kBytes } kind = kNone;
  if (m <= 0x7F) return Value(static_cast<int64_t>(m));
  if (m >= 0xF0) return Value(static_cast<int64_t>(static_cast<int8_t>(m)));
  if (hi == 0x80) {
    kind = kString;
    size = m & 0x0F;
  } else if (hi == 0x90) {
    kind = kList;
    size = m & 0x0F;
  } else if (hi == 0xA0) {
    kind = kDict;
    size = m & 0x0F;
  } else if (hi == 0xB0) {
    return ReadStruct(static_cast<uint8_t>(m & 0x0F), depth);
  } else {
    switch (m) {
      case 0xC0:
        return Value(nullptr);
      case 0xC2:
        return Value(false);
      case 0xC3:
        return Value(true);
      case 0xC1: {
        auto bits = Be(8);
        if (!bits) return std::unexpected(bits.error());
        return Value(std::bit_cast<double>(*bits));
      }
      case 0xC8:
      case 0xC9:
      case 0xCA:
      case 0xCB: {
        int bytes = 1 << (m - 0xC8);
        auto raw = Be(bytes);
        if (!raw) return std::unexpected(raw.error());
        return Value(sign(*raw, bytes));
      }
      case 0xCC:
      case 0xCD:
      case 0xCE:
      case 0xD0:
      case 0xD1:
      case 0xD2:
      case 0xD4:
      case 0xD5:
      case 0xD6:
      case 0xD8:
      case 0xD9:
      case 0xDA: {
        int width = 1 << (m & 0x03);
        auto s = Be(width);
        if (!s) return std::unexpected(s.error());
        size = *s;
        kind = m <= 0xCE ? kBytes : m <= 0xD2 ? kString : m <= 0xD6 ? kList : kDict;
        break;
      }
      default:
        return Malformed("unknown marker byte " + std::to_string(m));
    }
  }
  switch (kind) {
    case kString: {
      auto s = Str(size);
      if (!s) return std::unexpected(s.error());
      return Value(std::move(*s));
    }
    case kBytes: {
      if (remaining() < size) return Malformed("byte array longer than the data");
      bolt::Bytes b;
      b.data.assign(in_.begin() + static_cast<ptrdiff_t>(pos_),
                    in_.begin() + static_cast<ptrdiff_t>(pos_ + size));
      pos_ += size;
      return Value(std::move(b));
    }
    case kList: {
      if (size > remaining()) return Malformed("list longer than the data");
      List list;
      list.reserve(size);
      for (uint64_t i = 0; i < size; ++i) {
        auto item = ReadAt(depth + 1);
        if (!item) return item;
        list.push_back(std::move(*item));
      }
      return Value(std::move(list));
    }
    case kDict: {
      if (size > remaining() / 2) return Malformed("dictionary longer than the data");
      Dict dict;
      dict.reserve(size);
      for (uint64_t i = 0; i < size; ++i) {
        auto key = ReadAt(depth + 1);
        if (!key) return key;
        auto* k = key->Get<std::string>();
        if (k == nullptr) return Malformed("dictionary key is not a string");
        auto val = ReadAt(depth + 1);
        if (!val) return val;
        dict.emplace_back(std::move(*k), std::move(*val));
      }
      return Value(std::move(dict));
    }
    default:
      return Malformed("internal decoder state");
  }
}

namespace {

// Typed access to the fields of a known structure.
struct Fields {
  std::vector<Value>& f;
  bool ok = true;
  int64_t Int(size_t i) {
    auto* p = f[i].Get<int64_t>();
    if (!p) ok = false;
    return p ? *p : 0;
  }
  double Float(size_t i) {
    auto* p = f[i].Get<double>();
    if (!p) ok = false;
    return p ? *p : 0;
  }
  std::string Str(size_t i) {
    auto* p = std::get_if<std::string>(&f[i].v);
    if (!p) ok = false;
    return p ? std::move(*p) : std::string();
  }
  Dict Map(size_t i) {
    auto* p = std::get_if<Dict>(&f[i].v);
    if (!p) ok = false;
    return p ? std::move(*p) : Dict();
  }
  List Lst(size_t i) {
    auto* p = std::get_if<List>(&f[i].v);
    if (!p) ok = false;
    return p ? std::move(*p) : List();
  }
};

bool ToNode(Fields& fs, Node& n) {
  size_t count = fs.f.size();
  if (count != 3 && count != 4) return false;
  n.id = fs.Int(0);
  for (auto& l : fs.Lst(1)) {
    auto* s = std::get_if<std::string>(&l.v);
    if (!s) return false;
    n.labels.push_back(std::move(*s));
  }
  n.properties = fs.Map(2);
  if (count == 4) n.element_id = fs.Str(3);
  return fs.ok;
}

bool ToUnbound(Fields& fs, UnboundRelationship& r) {
  size_t count = fs.f.size();
  if (count != 3 && count != 4) return false;
  r.id = fs.Int(0);
  r.type = fs.Str(1);
  r.properties = fs.Map(2);
  if (count == 4) r.element_id = fs.Str(3);
  return fs.ok;
}

}  // namespace

Result<Value> Decoder::ReadStruct(uint8_t count, int depth) {
  if (remaining() < 1) return Malformed("structure tag missing");
  const uint8_t tag = in_[pos_++];
  if (count > remaining()) return Malformed("structure longer than the data");
  std::vector<Value> raw;
  raw.reserve(count);
  for (uint8_t i = 0; i < count; ++i) {
    auto item = ReadAt(depth + 1);
    if (!item) return item;
    raw.push_back(std::move(*item));
  }
  Fields fs{raw};
  auto bad = [&](const char* name) {
    return Malformed(std::string("invalid ") + name + " structure");
  };
  auto need = [&](size_t n) { return raw.size() == n; };
  switch (tag) {
    case kTagNode: {
      Node n;
      if (!ToNode(fs, n)) return bad("Node");
      return Value(std::move(n));
    }
    case kTagRelationship: {
      if (!need(5) && !need(8)) return bad("Relationship");
      Relationship r;
      r.id = fs.Int(0);
      r.start_id = fs.Int(1);
      r.end_id = fs.Int(2);
      r.type = fs.Str(3);
      r.properties = fs.Map(4);
      if (raw.size() == 8) {
        r.element_id = fs.Str(5);
        r.start_element_id = fs.Str(6);
        r.end_element_id = fs.Str(7);
      }
      if (!fs.ok) return bad("Relationship");
      return Value(std::move(r));
    }
    case kTagUnboundRelationship: {
      UnboundRelationship r;
      if (!ToUnbound(fs, r)) return bad("UnboundRelationship");
      return Value(std::move(r));
    }
    case kTagPath: {
      if (!need(3)) return bad("Path");
      Path p;
      for (auto& item : fs.Lst(0)) {
        auto* s = std::get_if<Node>(&item.v);
        if (!s) return bad("Path");
        p.nodes.push_back(std::move(*s));
      }
      for (auto& item : fs.Lst(1)) {
        auto* s = std::get_if<UnboundRelationship>(&item.v);
        if (!s) return bad("Path");
        p.rels.push_back(std::move(*s));
      }
      for (auto& item : fs.Lst(2)) {
        auto* s = item.Get<int64_t>();
        if (!s) return bad("Path");
        p.indices.push_back(*s);
      }
      if (!fs.ok) return bad("Path");
      return Value(std::move(p));
    }
    case kTagDate: {
      if (!need(1)) return bad("Date");
      Date d{fs.Int(0)};
      if (!fs.ok) return bad("Date");
      return Value(d);
    }
    case kTagTime: {
      if (!need(2)) return bad("Time");
      Time t{fs.Int(0), fs.Int(1)};
      if (!fs.ok) return bad("Time");
      return Value(t);
    }
    case kTagLocalTime: {
      if (!need(1)) return bad("LocalTime");
      LocalTime t{fs.Int(0)};
      if (!fs.ok) return bad("LocalTime");
      return Value(t);
    }
    case kTagDateTime:
    case kTagLegacyDateTime: {
      if (!need(3)) return bad("DateTime");
      DateTime t{fs.Int(0), fs.Int(1), fs.Int(2)};
      if (!fs.ok) return bad("DateTime");
      // The legacy form (Bolt 4.4 without the "utc" patch) carries local seconds.
      if (tag == kTagLegacyDateTime &&
          __builtin_sub_overflow(t.seconds, t.tz_offset_seconds, &t.seconds)) {
        return bad("DateTime");
      }
      return Value(t);
    }
    case kTagDateTimeZoneId: {
      if (!need(3)) return bad("DateTimeZoneId");
      DateTimeZoneId t{fs.Int(0), fs.Int(1), fs.Str(2)};
      if (!fs.ok) return bad("DateTimeZoneId");
      return Value(std::move(t));
    }
    case kTagLocalDateTime: {
      if (!need(2)) return bad("LocalDateTime");
      LocalDateTime t{fs.Int(0), fs.Int(1)};
      if (!fs.ok) return bad("LocalDateTime");
      return Value(t);
    }
    case kTagDuration: {
      if (!need(4)) return bad("Duration");
      Duration d{fs.Int(0), fs.Int(1), fs.Int(2), fs.Int(3)};
      if (!fs.ok) return bad("Duration");
      return Value(d);
    }
    case kTagPoint2D: {
      if (!need(3)) return bad("Point2D");
      Point2D p{fs.Int(0), fs.Float(1), fs.Float(2)};
      if (!fs.ok) return bad("Point2D");
      return Value(p);
    }
    case kTagPoint3D: {
      if (!need(4)) return bad("Point3D");
      Point3D p{fs.Int(0), fs.Float(1), fs.Float(2), fs.Float(3)};
      if (!fs.ok) return bad("Point3D");
      return Value(p);
    }
    default:
      return Value(Structure{tag, std::move(raw)});
  }
}

Result<Value> DecodeOne(std::span<const uint8_t> in) {
  Decoder d(in);
  auto v = d.Read();
  if (!v) return v;
  if (d.remaining() != 0) return Malformed("trailing bytes after the value");
  return v;
}

const char* TypeName(const Value& value) {
  static constexpr const char* kNames[] = {"Null",
                                           "Boolean",
                                           "Integer",
                                           "Float",
                                           "String",
                                           "Bytes",
                                           "List",
                                           "Dictionary",
                                           "Node",
                                           "Relationship",
                                           "UnboundRelationship",
                                           "Path",
                                           "Date",
                                           "Time",
                                           "LocalTime",
                                           "DateTime",
                                           "DateTimeZoneId",
                                           "LocalDateTime",
                                           "Duration",
                                           "Point2D",
                                           "Point3D",
                                           "Structure"};
  return kNames[value.v.index()];
}

}  // namespace retrain::bolt
