#include "graphql/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace retrain::graphql {

const Value* Value::Find(std::string_view key) const {
  if (!IsObject()) return nullptr;
  for (const auto& [k, v] : AsObject()) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value& Value::Set(std::string key, Value v) {
  if (!IsObject()) data_ = Object{};
  auto& obj = AsObject();
  for (auto& [k, existing] : obj) {
    if (k == key) {
      existing = std::move(v);
      return existing;
    }
  }
  obj.emplace_back(std::move(key), std::move(v));
  return obj.back().second;
}

Value& Value::Push(Value v) {
  if (!IsList()) data_ = List{};
  AsList().push_back(std::move(v));
  return AsList().back();
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      return a.AsBool() == b.AsBool();
    case Value::Kind::kInt:
      return a.AsInt() == b.AsInt();
    case Value::Kind::kFloat:
      return a.AsNumber() == b.AsNumber();
    case Value::Kind::kString:
      return a.AsString() == b.AsString();
    case Value::Kind::kList:
      return a.AsList() == b.AsList();
    case Value::Kind::kObject:
      return a.AsObject() == b.AsObject();
    case Value::Kind::kHandle:
      return a.AsHandle().ptr == b.AsHandle().ptr;
  }
  return false;
}

std::string FormatJsNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exp10 = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;
  std::string out;
  if (k <= n && n <= 21) {
    out = digits + std::string(n - k, '0');
  } else if (0 < n && n <= 21) {
    out = digits.substr(0, n) + "." + digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out = "0." + std::string(-n, '0') + digits;
  } else {
    out = digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    int e2 = n - 1;
    out += e2 < 0 ? "e-" : "e+";
    out += std::to_string(std::abs(e2));
  }
  return sign + out;
}

namespace {

void AppendJsonString(std::string& out, const std::string& s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void InspectInto(std::string& out, const Value& v, int depth) {
  constexpr int kMaxDepth = 2;
  constexpr size_t kMaxItems = 10;
  switch (v.kind()) {
    case Value::Kind::kNull:
      out += "null";
      return;
    case Value::Kind::kBool:
      out += v.AsBool() ? "true" : "false";
      return;
    case Value::Kind::kInt:
      out += std::to_string(v.AsInt());
      return;
    case Value::Kind::kFloat:
      out += FormatJsNumber(v.AsNumber());
      return;
    case Value::Kind::kString:
      AppendJsonString(out, v.AsString());
      return;
    case Value::Kind::kHandle:
      out += "{}";
      return;
    case Value::Kind::kList: {
      const auto& list = v.AsList();
      if (list.empty()) {
        out += "[]";
        return;
      }
      if (depth + 1 > kMaxDepth) {
        out += "[Array]";
        return;
      }
      out += "[";
      size_t shown = std::min(list.size(), kMaxItems);
      for (size_t i = 0; i < shown; ++i) {
        if (i) out += ", ";
        InspectInto(out, list[i], depth + 1);
      }
      size_t rest = list.size() - shown;
      if (rest == 1) out += ", ... 1 more item";
      if (rest > 1) out += ", ... " + std::to_string(rest) + " more items";
      out += "]";
      return;
    }
    case Value::Kind::kObject: {
      const auto& obj = v.AsObject();
      if (obj.empty()) {
        out += "{}";
        return;
      }
      if (depth + 1 > kMaxDepth) {
        out += "[Object]";
        return;
      }
      out += "{ ";
      for (size_t i = 0; i < obj.size(); ++i) {
        if (i) out += ", ";
        out += obj[i].first + ": ";
        InspectInto(out, obj[i].second, depth + 1);
      }
      out += " }";
      return;
    }
  }
}

}  // namespace

std::string Inspect(const Value& v) {
  std::string out;
  InspectInto(out, v, 0);
  return out;
}

}  // namespace retrain::graphql
