// Five-field cron schedules in UTC: parse errors and NextAfter on known dates.

#include "orchestrator/cron.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace retrain {
namespace {

int64_t T(const char* rfc3339) {
  auto v = ParseRfc3339(rfc3339);
  EXPECT_TRUE(v.has_value()) << rfc3339;
  return v.value_or(0);
}

// The next fire time after `after`, as RFC 3339 text ("none" when there is none).
std::string Next(const char* spec, const char* after) {
  auto c = CronSchedule::Parse(spec);
  EXPECT_TRUE(c.has_value()) << spec << ": " << (c ? "" : c.error().message);
  if (!c) return "parse error";
  int64_t n = c->NextAfter(T(after));
  return n < 0 ? "none" : FormatRfc3339(n);
}

TEST(CronParseTest, FieldCount) {
  for (const char* bad : {"", "* * * *", "* * * * * *", "@hourly"}) {
    auto c = CronSchedule::Parse(bad);
    ASSERT_FALSE(c.has_value()) << bad;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(c.error().message.find("five fields"), std::string::npos) << c.error().message;
  }
}

TEST(CronParseTest, ErrorNamesTheField) {
  struct Case {
    const char* spec;
    const char* field;
  };
  const Case cases[] = {
      {"60 * * * *", "minute field '60'"},        {"-1 * * * *", "minute field"},
      {"a * * * *", "minute field 'a'"},          {"*/0 * * * *", "minute field '*/0'"},
      {"5-1 * * * *", "minute field '5-1'"},      {"1,,2 * * * *", "minute field '1,,2'"},
      {"0 24 * * *", "hour field '24'"},          {"0 0 0 * *", "day-of-month field '0'"},
      {"0 0 32 * *", "day-of-month field '32'"},  {"0 0 * 13 *", "month field '13'"},
      {"0 0 * 0 *", "month field '0'"},           {"0 0 * * 8", "day-of-week field '8'"},
      {"0 0 * * MON", "day-of-week field 'MON'"}, {"0 0 * * 1-", "day-of-week field '1-'"},
      {"0 0 * * */x", "day-of-week field '*/x'"},
  };
  for (const auto& c : cases) {
    auto r = CronSchedule::Parse(c.spec);
    ASSERT_FALSE(r.has_value()) << c.spec;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << c.spec;
    EXPECT_NE(r.error().message.find(c.field), std::string::npos)
        << c.spec << ": " << r.error().message;
  }
}

TEST(CronParseTest, AcceptsTheDocumentedForms) {
  for (const char* ok : {"* * * * *", "0 * * * *", "*/15 * * * *", "0,30 9-17 * * 1-5",
                         "10-30/10 */6 1,15 1-12 0-7", "  0   0  *  *  *  ", "59 23 31 12 7"}) {
    auto c = CronSchedule::Parse(ok);
    EXPECT_TRUE(c.has_value()) << ok << ": " << (c ? "" : c.error().message);
  }
}

TEST(CronNextTest, EveryMinuteIsStrictlyAfter) {
  EXPECT_EQ(Next("* * * * *", "2026-11-26T06:30:00Z"), "2026-11-26T06:31:00.000Z");
  EXPECT_EQ(Next("* * * * *", "2026-11-26T06:30:59.999Z"), "2026-11-26T06:31:00.000Z");
  EXPECT_EQ(Next("* * * * *", "2026-11-26T06:29:00.001Z"), "2026-11-26T06:30:00.000Z");
}

TEST(CronNextTest, Steps) {
  EXPECT_EQ(Next("*/15 * * * *", "2026-11-26T06:31:10Z"), "2026-11-26T06:45:00.000Z");
  EXPECT_EQ(Next("*/15 * * * *", "2026-11-26T06:45:00Z"), "2026-11-26T07:00:00.000Z");
  EXPECT_EQ(Next("0 */6 * * *", "2026-11-26T06:30:00Z"), "2026-11-26T12:00:00.000Z");
  EXPECT_EQ(Next("0 */6 * * *", "2026-11-26T18:00:00Z"), "2026-11-27T00:00:00.000Z");
  EXPECT_EQ(Next("10-30/10 * * * *", "2026-11-26T06:31:00Z"), "2026-11-26T07:10:00.000Z");
  EXPECT_EQ(Next("10-30/10 * * * *", "2026-11-26T06:10:00Z"), "2026-11-26T06:20:00.000Z");
  // "a/n" runs from a to the end of the range.
  EXPECT_EQ(Next("5/20 * * * *", "2026-11-26T06:26:00Z"), "2026-11-26T06:45:00.000Z");
}

TEST(CronNextTest, ListsAndRanges) {
  EXPECT_EQ(Next("0,30 * * * *", "2026-11-26T06:00:00Z"), "2026-11-26T06:30:00.000Z");
  EXPECT_EQ(Next("0,30 9-17 * * *", "2026-11-26T17:30:00Z"), "2026-11-27T09:00:00.000Z");
}

TEST(CronNextTest, DailyAndMonthly) {
  EXPECT_EQ(Next("0 0 * * *", "2026-11-26T06:30:00Z"), "2026-11-27T00:00:00.000Z");
  EXPECT_EQ(Next("0 0 1 * *", "2026-11-26T06:30:00Z"), "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(Next("0 0 1 1 *", "2026-11-26T06:30:00Z"), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(Next("59 23 31 12 *", "2026-11-26T06:30:00Z"), "2026-12-31T23:59:00.000Z");
  // Months without a 31st are skipped.
  EXPECT_EQ(Next("0 0 31 * *", "2026-11-01T00:00:00Z"), "2026-12-31T00:00:00.000Z");
}

TEST(CronNextTest, DayOfWeekOnly) {
  // 2026-11-26 is a Thursday.
  EXPECT_EQ(Next("0 0 * * 0", "2026-11-26T06:30:00Z"), "2026-11-29T00:00:00.000Z");  // Sunday
  EXPECT_EQ(Next("0 0 * * 7", "2026-11-26T06:30:00Z"), "2026-11-29T00:00:00.000Z");  // 7 = Sunday
  EXPECT_EQ(Next("30 9 * * 1-5", "2026-11-27T10:00:00Z"),
            "2026-11-30T09:30:00.000Z");  // Fri -> Mon
  EXPECT_EQ(Next("30 9 * * 1-5", "2026-11-26T09:00:00Z"), "2026-11-26T09:30:00.000Z");
}

TEST(CronNextTest, DayOfMonthOnly) {
  EXPECT_EQ(Next("0 0 13 * *", "2026-11-26T06:30:00Z"), "2026-12-13T00:00:00.000Z");
}

TEST(CronNextTest, BothDayFieldsRestrictedMeansEither) {
  // The 13th or any Friday: Friday 2026-11-27 comes first, then Fridays, then Sunday the 13th.
  EXPECT_EQ(Next("0 0 13 * 5", "2026-11-26T12:00:00Z"), "2026-11-27T00:00:00.000Z");
  EXPECT_EQ(Next("0 0 13 * 5", "2026-11-27T00:00:00Z"), "2026-12-04T00:00:00.000Z");
  EXPECT_EQ(Next("0 0 13 * 5", "2026-12-11T00:00:00Z"), "2026-12-13T00:00:00.000Z");
  EXPECT_EQ(Next("0 0 13 * 5", "2026-12-13T00:00:00Z"), "2026-12-18T00:00:00.000Z");
}

TEST(CronNextTest, LeapDay) {
  EXPECT_EQ(Next("0 12 29 2 *", "2026-03-01T00:00:00Z"), "2028-02-29T12:00:00.000Z");
}

TEST(CronNextTest, ImpossibleDateHasNoNextTime) {
  auto c = CronSchedule::Parse("0 0 30 2 *");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->NextAfter(T("2026-11-26T06:30:00Z")), -1);
}

TEST(CronNextTest, ResultIsAWholeMinute) {
  auto c = CronSchedule::Parse("*/7 * * * *");
  ASSERT_TRUE(c.has_value());
  int64_t t = T("2026-11-26T06:30:12.345Z");
  for (int i = 0; i < 50; ++i) {
    int64_t n = c->NextAfter(t);
    ASSERT_GT(n, t);
    EXPECT_EQ(n % 60'000, 0);
    t = n;
  }
}

}  // namespace
}  // namespace retrain
