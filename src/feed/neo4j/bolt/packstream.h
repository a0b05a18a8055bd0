#pragma once
// PackStream: the binary value format of the Bolt protocol (Neo4j 4.4 and 5.x).
//
// `Value` holds every type a Neo4j 5 server sends or accepts: null, boolean, integer (all
// widths decode to int64), float, string, bytes, list, dictionary, and the structures Node,
// Relationship, UnboundRelationship, Path, Date, Time, LocalTime, DateTime, DateTimeZoneId,
// LocalDateTime, Duration, Point2D and Point3D. A structure with an unknown tag decodes to a
// generic `Structure` so a newer server cannot crash the decoder.
//
// Encoding is total. Decoding validates everything (lengths against the bytes left, nesting
// depth, field counts and field types of known structures) and returns kInvalidArgument for
// malformed input; it never reads out of bounds and never allocates more than the input could
// describe. All functions are pure and thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.h"

namespace retrain::bolt {

struct Value;
using List = std::vector<Value>;
// A dictionary keeps the order the server sent its entries in.
using Dict = std::vector<std::pair<std::string, Value>>;

struct Bytes {
  std::vector<uint8_t> data;
  bool operator==(const Bytes&) const = default;
};

struct Node {
  int64_t id = 0;
  std::vector<std::string> labels;
  Dict properties;
  std::string element_id;  // 5.x; "" on 4.4
  bool operator==(const Node&) const;
};

struct Relationship {
  int64_t id = 0, start_id = 0, end_id = 0;
  std::string type;
  Dict properties;
  std::string element_id, start_element_id, end_element_id;  // 5.x
  bool operator==(const Relationship&) const;
};

struct UnboundRelationship {
  int64_t id = 0;
  std::string type;
  Dict properties;
  std::string element_id;  // 5.x
  bool operator==(const UnboundRelationship&) const;
};

struct Path {
  std::vector<Node> nodes;
  std::vector<UnboundRelationship> rels;
  std::vector<int64_t> indices;
  bool operator==(const Path&) const;
};

struct Date {  // days since 1970-01-01
  int64_t days = 0;
  bool operator==(const Date&) const = default;
};
struct Time {  // nanoseconds since midnight, local time with a UTC offset
  int64_t nanoseconds = 0;
  int64_t tz_offset_seconds = 0;
  bool operator==(const Time&) const = default;
};
struct LocalTime {
  int64_t nanoseconds = 0;
  bool operator==(const LocalTime&) const = default;
};
// An instant (UTC seconds since the epoch, Bolt 5 semantics) with a fixed offset.
struct DateTime {
  int64_t seconds = 0;
  int64_t nanoseconds = 0;
  int64_t tz_offset_seconds = 0;
  bool operator==(const DateTime&) const = default;
};
// An instant (UTC seconds since the epoch) in a named time zone.
struct DateTimeZoneId {
  int64_t seconds = 0;
  int64_t nanoseconds = 0;
  std::string tz_id;
  bool operator==(const DateTimeZoneId&) const = default;
};
struct LocalDateTime {  // seconds since the epoch as if the local time were UTC
  int64_t seconds = 0;
  int64_t nanoseconds = 0;
  bool operator==(const LocalDateTime&) const = default;
};
struct Duration {
  int64_t months = 0, days = 0, seconds = 0, nanoseconds = 0;
  bool operator==(const Duration&) const = default;
};
struct Point2D {
  int64_t srid = 0;
  double x = 0, y = 0;
  bool operator==(const Point2D&) const = default;
};
struct Point3D {
  int64_t srid = 0;
  double x = 0, y = 0, z = 0;
  bool operator==(const Point3D&) const = default;
};
// A structure the decoder does not know (or a Bolt message, see bolt/messages).
struct Structure {
  uint8_t tag = 0;
  std::vector<Value> fields;
  bool operator==(const Structure&) const;
};

struct Value {
  using Variant =
      std::variant<std::nullptr_t, bool, int64_t, double, std::string, Bytes, List, Dict, Node,
                   Relationship, UnboundRelationship, Path, Date, Time, LocalTime, DateTime,
                   DateTimeZoneId, LocalDateTime, Duration, Point2D, Point3D, Structure>;
  Variant v;

  Value() : v(nullptr) {}
  template <typename T>
  requires std::is_constructible_v<Variant, T&&> &&
      (!std::is_same_v<std::remove_cvref_t<T>, Value>)Value(T&& x)
      : v(std::forward<T>(x)) {}  // NOLINT: implicit on purpose
  Value(int x) : v(int64_t{x}) {}
  Value(const char* s) : v(std::string(s)) {}

  template <typename T>
  bool Is() const {
    return std::holds_alternative<T>(v);
  }
  template <typename T>
  const T* Get() const {
    return std::get_if<T>(&v);
  }
  bool IsNull() const { return Is<std::nullptr_t>(); }
  // The entry `key` of a dictionary, or nullptr when absent or not a dictionary.
  const Value* Find(std::string_view key) const;

  bool operator==(const Value& o) const;
};

// Structure tags.
inline constexpr uint8_t kTagNode = 0x4E, kTagRelationship = 0x52, kTagUnboundRelationship = 0x72,
                         kTagPath = 0x50, kTagDate = 0x44, kTagTime = 0x54, kTagLocalTime = 0x74,
                         kTagDateTime = 0x49, kTagDateTimeZoneId = 0x69, kTagLocalDateTime = 0x64,
                         kTagDuration = 0x45, kTagPoint2D = 0x58, kTagPoint3D = 0x59,
                         kTagLegacyDateTime = 0x46, kTagLegacyDateTimeZoneId = 0x66;

// Appends PackStream bytes to `out`.
class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}
  void Null();
  void Bool(bool b);
  void Int(int64_t i);  // smallest encoding
  void Float(double d);
  void String(std::string_view s);
  void Bytes(std::span<const uint8_t> b);
  void ListHeader(uint32_t size);
  void DictHeader(uint32_t size);
  void StructHeader(uint8_t fields, uint8_t tag);
  void Write(const Value& value);

 private:
  void Raw(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void Be(uint64_t v, int bytes);
  void SizedHeader(uint32_t size, uint8_t tiny, uint8_t b8, uint8_t b16, uint8_t b32, bool has8);
  std::string& out_;
};

// Decodes values from a byte range, consuming them.
class Decoder {
 public:
  static constexpr int kMaxDepth = 128;
  explicit Decoder(std::span<const uint8_t> in) : in_(in) {}
  [[nodiscard]] Result<Value> Read();
  // Reads a structure header; returns its field count and tag.
  [[nodiscard]] Result<std::pair<uint8_t, uint8_t>> ReadStructHeader();
  size_t remaining() const { return in_.size() - pos_; }

 private:
  Result<Value> ReadAt(int depth);
  Result<Value> ReadStruct(uint8_t fields, int depth);
  Result<uint64_t> Be(int bytes);
  Result<std::string> Str(uint64_t size);
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

// Convenience: encodes one value to a new string; decodes exactly one value (trailing bytes
// are an error).
std::string Encode(const Value& value);
[[nodiscard]] Result<Value> DecodeOne(std::span<const uint8_t> in);

// Short human text of a value's type ("Integer", "Node", ...), for error messages.
const char* TypeName(const Value& value);

}  // namespace retrain::bolt
