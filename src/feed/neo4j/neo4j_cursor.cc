#include "feed/neo4j/neo4j_cursor.h"

#include <charconv>
#include <chrono>

#include "feed/neo4j/value_json.h"

namespace retrain::neo4j {
namespace {

constexpr size_t kTimeWidth = 30;  // "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"

bool Digits(std::string_view s, size_t pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  std::from_chars(s.data() + pos, s.data() + pos + n, out);
  return true;
}

}  // namespace

std::string EncodeCursor(const FeedPosition& p) {
  return FixedWidthUtc(p.seconds, p.nanoseconds) + "|" + p.element_id;
}

Result<FeedPosition> DecodeCursor(std::string_view c) {
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                "Invalid Neo4j feed cursor '" + std::string(c) +
                    "': expected 'YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ|elementId'.");
  };
  if (c.size() < kTimeWidth + 1 || c[4] != '-' || c[7] != '-' || c[10] != 'T' || c[13] != ':' ||
      c[16] != ':' || c[19] != '.' || c[29] != 'Z' || c[30] != '|') {
    return bad();
  }
  int64_t y, mo, d, h, mi, s, ns;
  if (!Digits(c, 0, 4, y) || !Digits(c, 5, 2, mo) || !Digits(c, 8, 2, d) || !Digits(c, 11, 2, h) ||
      !Digits(c, 14, 2, mi) || !Digits(c, 17, 2, s) || !Digits(c, 20, 9, ns) || h > 23 || mi > 59 ||
      s > 59) {
    return bad();
  }
  std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(y)),
                                  std::chrono::month(static_cast<unsigned>(mo)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return bad();
  int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  FeedPosition p;
  p.seconds = days * 86400 + h * 3600 + mi * 60 + s;
  p.nanoseconds = ns;
  p.element_id = std::string(c.substr(kTimeWidth + 1));
  if (p.element_id.empty()) return bad();
  return p;
}

}  // namespace retrain::neo4j
