#pragma once
// Five-field cron schedules in UTC: "minute hour day-of-month month day-of-week", each field
// `*`, a number, a range `a-b`, a list `a,b`, or a step `*/n` / `a-b/n`. Day-of-week 0-7
// (0 and 7 are Sunday). As in cron, when both day fields are restricted a day matches either.

#include <bitset>
#include <cstdint>
#include <string_view>

#include "core/error.h"

namespace retrain {

class CronSchedule {
 public:
  // Errors: kInvalidArgument naming the field that is wrong.
  [[nodiscard]] static Result<CronSchedule> Parse(std::string_view text);

  // The first fire time strictly after `after_ms` (whole minutes), searching at most 5 years.
  // Returns -1 when there is none (e.g. "0 0 30 2 *").
  int64_t NextAfter(int64_t after_ms) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;
  std::bitset<13> months_;
  std::bitset<8> weekdays_;
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace retrain
