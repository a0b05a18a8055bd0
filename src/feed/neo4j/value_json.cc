#include "feed/neo4j/value_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace retrain::neo4j {
namespace {

using bolt::Value;
using json = nlohmann::json;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string DateText(int64_t days) {
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::string Fraction(int64_t nanos) {
  if (nanos == 0) return {};
  std::string f = fmt::format(".{:09d}", nanos);
  while (f.back() == '0') f.pop_back();
  return f;
}

std::string TimeText(int64_t nanos_of_day) {
  int64_t secs = nanos_of_day / 1'000'000'000;
  return fmt::format("{:02d}:{:02d}:{:02d}{}", secs / 3600, secs / 60 % 60, secs % 60,
                     Fraction(nanos_of_day % 1'000'000'000));
}

std::string OffsetText(int64_t offset) {
  if (offset == 0) return "Z";
  int64_t a = std::abs(offset);
  std::string s = fmt::format("{}{:02d}:{:02d}", offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  if (a % 60 != 0) s += fmt::format(":{:02d}", a % 60);
  return s;
}

std::string LocalDateTimeText(int64_t seconds, int64_t nanos) {
  int64_t days = FloorDiv(seconds, 86400);
  int64_t sod = seconds - days * 86400;
  return DateText(days) + "T" + TimeText(sod * 1'000'000'000 + nanos);
}

std::string DurationText(const bolt::Duration& d) {
  std::string s = "P";
  if (d.months / 12 != 0) s += fmt::format("{}Y", d.months / 12);
  if (d.months % 12 != 0) s += fmt::format("{}M", d.months % 12);
  if (d.days != 0) s += fmt::format("{}D", d.days);
  int64_t total_ns = d.nanoseconds;
  int64_t secs = d.seconds + FloorDiv(total_ns, 1'000'000'000);
  int64_t nanos = total_ns - FloorDiv(total_ns, 1'000'000'000) * 1'000'000'000;
  if (secs != 0 || nanos != 0) {
    s += "T";
    bool neg = secs < 0;
    if (neg && nanos != 0) {  // -1.5 s is secs -2, nanos 0.5e9
      secs += 1;
      nanos = 1'000'000'000 - nanos;
    }
    int64_t a = std::abs(secs);
    if (a / 3600 != 0) s += fmt::format("{}{}H", neg ? "-" : "", a / 3600);
    if (a / 60 % 60 != 0) s += fmt::format("{}{}M", neg ? "-" : "", a / 60 % 60);
    if (a % 60 != 0 || nanos != 0) {
      s += fmt::format("{}{}{}S", neg ? "-" : "", a % 60, Fraction(nanos));
    }
  }
  if (s == "P") s += "T0S";
  return s;
}

std::string Base64(const std::vector<uint8_t>& data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
  }
  if (i < data.size()) {
    uint32_t v = uint32_t{data[i]} << 16;
    if (i + 1 < data.size()) v |= uint32_t{data[i + 1]} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

json ToJson(const Value& value);

json DictJson(const bolt::Dict& d) {
  json o = json::object();
  for (const auto& [k, v] : d) o[k] = ToJson(v);
  return o;
}

json ToJson(const Value& value) {
  return std::visit(
      [&](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                             std::is_same_v<T, double> || std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, bolt::Bytes>) {
          return Base64(x.data);
        } else if constexpr (std::is_same_v<T, bolt::List>) {
          json a = json::array();
          for (const auto& item : x) a.push_back(ToJson(item));
          return a;
        } else if constexpr (std::is_same_v<T, bolt::Dict>) {
          return DictJson(x);
        } else if constexpr (std::is_same_v<T, bolt::Node>) {
          return json{{"elementId", x.element_id},
                      {"labels", x.labels},
                      {"properties", DictJson(x.properties)}};
        } else if constexpr (std::is_same_v<T, bolt::Relationship>) {
          return json{{"elementId", x.element_id},
                      {"type", x.type},
                      {"startElementId", x.start_element_id},
                      {"endElementId", x.end_element_id},
                      {"properties", DictJson(x.properties)}};
        } else if constexpr (std::is_same_v<T, bolt::UnboundRelationship>) {
          return json{{"elementId", x.element_id},
                      {"type", x.type},
                      {"properties", DictJson(x.properties)}};
        } else if constexpr (std::is_same_v<T, bolt::Path>) {
          json nodes = json::array(), rels = json::array();
          for (const auto& n : x.nodes) nodes.push_back(ToJson(Value(n)));
          for (const auto& r : x.rels) rels.push_back(ToJson(Value(r)));
          return json{{"nodes", nodes}, {"relationships", rels}, {"indices", x.indices}};
        } else if constexpr (std::is_same_v<T, bolt::Point2D>) {
          return json{{"srid", x.srid}, {"x", x.x}, {"y", x.y}};
        } else if constexpr (std::is_same_v<T, bolt::Point3D>) {
          return json{{"srid", x.srid}, {"x", x.x}, {"y", x.y}, {"z", x.z}};
        } else if constexpr (std::is_same_v<T, bolt::Structure>) {
          json a = json::array();
          for (const auto& f : x.fields) a.push_back(ToJson(f));
          return json{{"tag", x.tag}, {"fields", a}};
        } else {
          return TemporalToIso(value);
        }
      },
      value.v);
}

}  // namespace

std::string TemporalToIso(const Value& value) {
  if (auto* d = value.Get<bolt::Date>()) return DateText(d->days);
  if (auto* t = value.Get<bolt::LocalTime>()) return TimeText(t->nanoseconds);
  if (auto* t = value.Get<bolt::Time>())
    return TimeText(t->nanoseconds) + OffsetText(t->tz_offset_seconds);
  if (auto* t = value.Get<bolt::LocalDateTime>())
    return LocalDateTimeText(t->seconds, t->nanoseconds);
  if (auto* t = value.Get<bolt::DateTime>()) {
    return LocalDateTimeText(t->seconds + t->tz_offset_seconds, t->nanoseconds) +
           OffsetText(t->tz_offset_seconds);
  }
  if (auto* t = value.Get<bolt::DateTimeZoneId>()) {
    return LocalDateTimeText(t->seconds, t->nanoseconds) + "Z[" + t->tz_id + "]";
  }
  if (auto* d = value.Get<bolt::Duration>()) return DurationText(*d);
  return {};
}

std::string ValueToJson(const Value& value) {
  return ToJson(value).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string DictToJson(const bolt::Dict& dict, std::initializer_list<std::string_view> exclude) {
  json o = json::object();
  for (const auto& [k, v] : dict) {
    if (std::find(exclude.begin(), exclude.end(), k) != exclude.end()) continue;
    o[k] = ToJson(v);
  }
  return o.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string FixedWidthUtc(int64_t seconds, int64_t nanoseconds) {
  int64_t days = FloorDiv(seconds, 86400);
  int64_t sod = seconds - days * 86400;
  return fmt::format("{}T{:02d}:{:02d}:{:02d}.{:09d}Z", DateText(days), sod / 3600, sod / 60 % 60,
                     sod % 60, nanoseconds);
}

}  // namespace retrain::neo4j
