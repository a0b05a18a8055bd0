#include "orchestrator/cron.h"

#include <charconv>
#include <ctime>
#include <string>
#include <vector>

namespace retrain {

namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(
        s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

bool ParseNum(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Sets bits lo..hi of `bits` per the field syntax. Returns false when malformed or out of range.
template <size_t N>
bool ParseField(std::string_view field, int lo, int hi, std::bitset<N>* bits) {
  for (std::string_view part : Split(field, ',')) {
    int step = 1;
    if (auto slash = part.find('/'); slash != std::string_view::npos) {
      if (!ParseNum(part.substr(slash + 1), &step) || step <= 0) return false;
      part = part.substr(0, slash);
    }
    int a = lo, b = hi;
    if (part != "*") {
      if (auto dash = part.find('-'); dash != std::string_view::npos) {
        if (!ParseNum(part.substr(0, dash), &a) || !ParseNum(part.substr(dash + 1), &b))
          return false;
      } else {
        if (!ParseNum(part, &a)) return false;
        b = step > 1 ? hi : a;
      }
    }
    if (a < lo || b > hi || a > b) return false;
    for (int v = a; v <= b; v += step) bits->set(static_cast<size_t>(v));
  }
  return true;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view text) {
  std::vector<std::string_view> fields;
  for (auto f : Split(text, ' '))
    if (!f.empty()) fields.push_back(f);
  if (fields.size() != 5) {
    return Fail(ErrorCode::kInvalidArgument,
                "expected five fields (minute hour day-of-month month day-of-week), got " +
                    std::to_string(fields.size()));
  }
  CronSchedule c;
  static const char* kNames[] = {"minute", "hour", "day-of-month", "month", "day-of-week"};
  bool ok[5] = {ParseField(fields[0], 0, 59, &c.minutes_), ParseField(fields[1], 0, 23, &c.hours_),
                ParseField(fields[2], 1, 31, &c.days_), ParseField(fields[3], 1, 12, &c.months_),
                ParseField(fields[4], 0, 7, &c.weekdays_)};
  for (int i = 0; i < 5; ++i) {
    if (!ok[i]) {
      return Fail(ErrorCode::kInvalidArgument, "the " + std::string(kNames[i]) + " field '" +
                                                   std::string(fields[i]) + "' is not valid");
    }
  }
  if (c.weekdays_.test(7)) c.weekdays_.set(0);
  c.days_restricted_ = fields[2] != "*";
  c.weekdays_restricted_ = fields[4] != "*";
  return c;
}

int64_t CronSchedule::NextAfter(int64_t after_ms) const {
  int64_t t = (after_ms / 60'000 + 1) * 60;  // next whole minute, in seconds
  const int64_t limit = t + int64_t{5} * 366 * 86400;
  while (t < limit) {
    time_t tt = static_cast<time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    if (!months_.test(static_cast<size_t>(tm.tm_mon + 1))) {
      // jump to the first day of next month
      tm.tm_mday = 1;
      tm.tm_hour = 0;
      tm.tm_min = 0;
      tm.tm_sec = 0;
      tm.tm_mon += 1;
      t = timegm(&tm);
      continue;
    }
    bool dom = days_.test(static_cast<size_t>(tm.tm_mday));
    bool dow = weekdays_.test(static_cast<size_t>(tm.tm_wday));
    bool day_ok = (days_restricted_ && weekdays_restricted_) ? (dom || dow) : (dom && dow);
    if (!day_ok) {
      tm.tm_hour = 0;
      tm.tm_min = 0;
      tm.tm_sec = 0;
      tm.tm_mday += 1;
      t = timegm(&tm);
      continue;
    }
    if (!hours_.test(static_cast<size_t>(tm.tm_hour))) {
      tm.tm_min = 0;
      tm.tm_sec = 0;
      tm.tm_hour += 1;
      t = timegm(&tm);
      continue;
    }
    if (!minutes_.test(static_cast<size_t>(tm.tm_min))) {
      t += 60;
      continue;
    }
    return t * 1000;
  }
  return -1;
}

}  // namespace retrain
