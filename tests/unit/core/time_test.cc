// RFC 3339 formatting/parsing, durations and the fake clock.

#include "core/time.h"

#include <gtest/gtest.h>

#include <optional>

namespace retrain {
namespace {

constexpr int64_t k0630 = 1795674600000;  // 2026-11-26T06:30:00.000Z
constexpr int64_t k0635 = 1795674910250;  // 2026-11-26T06:35:10.250Z

TEST(FormatRfc3339Test, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(k0630), "2026-11-26T06:30:00.000Z");
  EXPECT_EQ(FormatRfc3339(k0635), "2026-11-26T06:35:10.250Z");
  EXPECT_EQ(FormatRfc3339(k0630 + 7), "2026-11-26T06:30:00.007Z");
  EXPECT_EQ(FormatRfc3339(951868799999), "2000-02-29T23:59:59.999Z");
}

TEST(FormatRfc3339Test, NegativeTimesRoundTowardThePast) {
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(-1000), "1969-12-31T23:59:59.000Z");
}

TEST(FormatCompactUtcTest, SecondsResolution) {
  EXPECT_EQ(FormatCompactUtc(k0635), "20261126063510");
  EXPECT_EQ(FormatCompactUtc(0), "19700101000000");
}

TEST(ParseRfc3339Test, ZuluWithAndWithoutFraction) {
  EXPECT_EQ(ParseRfc3339("2026-11-26T06:30:00Z"), std::optional<int64_t>(k0630));
  EXPECT_EQ(ParseRfc3339("2026-11-26T06:35:10.250Z"), std::optional<int64_t>(k0635));
  EXPECT_EQ(ParseRfc3339("2026-11-26t06:30:00z"), std::optional<int64_t>(k0630));
  EXPECT_EQ(ParseRfc3339("2026-11-26 06:30:00Z"), std::optional<int64_t>(k0630));
}

TEST(ParseRfc3339Test, FractionsOfAnyLength) {
  EXPECT_EQ(ParseRfc3339("2026-11-26T06:30:00.5Z"), std::optional<int64_t>(k0630 + 500));
  EXPECT_EQ(ParseRfc3339("2026-11-26T06:30:00.05Z"), std::optional<int64_t>(k0630 + 50));
  EXPECT_EQ(ParseRfc3339("2026-11-26T06:30:00.123Z"), std::optional<int64_t>(k0630 + 123));
  // Digits beyond milliseconds are truncated, not rounded.
  EXPECT_EQ(ParseRfc3339("2026-11-26T06:30:00.123999999Z"), std::optional<int64_t>(k0630 + 123));
}

TEST(ParseRfc3339Test, NumericOffsets) {
  EXPECT_EQ(ParseRfc3339("2026-11-26T08:30:00+02:00"), std::optional<int64_t>(k0630));
  EXPECT_EQ(ParseRfc3339("2026-11-26T01:00:00-05:30"), std::optional<int64_t>(k0630));
  EXPECT_EQ(ParseRfc3339("2026-11-26T06:30:00+00:00"), std::optional<int64_t>(k0630));
  EXPECT_EQ(ParseRfc3339("2026-11-26T08:35:10.250+02:00"), std::optional<int64_t>(k0635));
  // An offset that crosses midnight.
  EXPECT_EQ(ParseRfc3339("2026-11-25T23:30:00-07:00"), std::optional<int64_t>(k0630));
}

TEST(ParseRfc3339Test, DateAloneIsMidnightUtc) {
  EXPECT_EQ(ParseRfc3339("2026-11-26"), std::optional<int64_t>(k0630 - (6 * 60 + 30) * 60'000LL));
  EXPECT_EQ(ParseRfc3339("1970-01-01"), std::optional<int64_t>(0));
  EXPECT_EQ(ParseRfc3339("2000-02-29"), std::optional<int64_t>(951868799999 + 1 - 86'400'000));
}

TEST(ParseRfc3339Test, RoundTripsFormattedTimes) {
  for (int64_t ms : {int64_t{0}, k0630, k0635, int64_t{951868799999}, int64_t{4102444800000},
                     int64_t{1}, int64_t{86'399'999}}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(ms)), std::optional<int64_t>(ms)) << ms;
  }
}

TEST(ParseRfc3339Test, RejectsMalformedText) {
  for (const char* bad : {
           "",
           "2026",
           "2026-11",
           "26-11-2026",
           "2026/11/26",
           "2026-13-01",
           "2026-00-10",
           "2026-11-00",
           "2026-11-32",
           "2026-11-26T06:30:00",  // a time needs a zone
           "2026-11-26T06:30Z",    // seconds are required
           "2026-11-26T24:00:00Z",
           "2026-11-26T06:60:00Z",
           "2026-11-26T06:30:00.Z",     // a dot needs digits
           "2026-11-26T06:30:00+0200",  // offset needs a colon
           "2026-11-26T06:30:00+02",
           "2026-11-26T06:30:00ZZ",
           "2026-11-26T06:30:00Z ",
           "2026-11-26x",
           "2026-11-26T",
           "2026-1l-26",
           "abcd-ef-ghTij:kl:mnZ",
       }) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ParseRfc3339Test, RejectsDaysThatDoNotExistInTheMonth) {
  // Bug: ParseRfc3339 only checks day <= 31 (src/core/time.cc, ParseRfc3339: `d > 31`), so
  // "2026-02-30" is accepted and silently normalized to 2026-03-02.
  if (ParseRfc3339("2026-02-30").has_value()) {
    FAIL() << "ParseRfc3339 accepts 2026-02-30 (day not checked against the month)";
  }
  EXPECT_FALSE(ParseRfc3339("2026-04-31").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-02-29").has_value());
  EXPECT_TRUE(ParseRfc3339("2028-02-29").has_value());
}

TEST(ParseDurationMsTest, Units) {
  EXPECT_EQ(ParseDurationMs("250ms"), std::optional<int64_t>(250));
  EXPECT_EQ(ParseDurationMs("30s"), std::optional<int64_t>(30'000));
  EXPECT_EQ(ParseDurationMs("5m"), std::optional<int64_t>(300'000));
  EXPECT_EQ(ParseDurationMs("2h"), std::optional<int64_t>(7'200'000));
  EXPECT_EQ(ParseDurationMs("1d"), std::optional<int64_t>(86'400'000));
  EXPECT_EQ(ParseDurationMs("0s"), std::optional<int64_t>(0));
}

TEST(ParseDurationMsTest, CompoundAndBareSeconds) {
  EXPECT_EQ(ParseDurationMs("1h30m"), std::optional<int64_t>(5'400'000));
  EXPECT_EQ(ParseDurationMs("1m30s250ms"), std::optional<int64_t>(90'250));
  EXPECT_EQ(ParseDurationMs("90"), std::optional<int64_t>(90'000));
  EXPECT_EQ(ParseDurationMs("0"), std::optional<int64_t>(0));
}

TEST(ParseDurationMsTest, RejectsMalformed) {
  for (const char* bad :
       {"", "5 minutes", "5min", "-5s", "-5", "5x", "ms", "s", "1.5h", " 5s", "5s ", "h1", "5S",
        "1000000000000000s", "9999999999999",
        // longer than kMaxDurationMs (or than int64 milliseconds): refused,
        // never wrapped around to a negative value
        "11574075d", "999999999999d", "100000000000d100000000000d", "1000000000000s1ms"}) {
    EXPECT_FALSE(ParseDurationMs(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ParseDurationMsTest, LongestAcceptedDurationRoundTrips) {
  EXPECT_EQ(ParseDurationMs("11574074d"), std::optional<int64_t>(11'574'074LL * 86'400'000));
  EXPECT_EQ(ParseDurationMs("999999999999"), std::optional<int64_t>(999'999'999'999'000));
  EXPECT_EQ(ParseDurationMs(FormatDuration(kMaxDurationMs)),
            std::optional<int64_t>(kMaxDurationMs));
}

TEST(FormatDurationTest, LargestUnitsFirst) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(90'000), "1m30s");
  EXPECT_EQ(FormatDuration(250), "250ms");
  EXPECT_EQ(FormatDuration(1'001), "1s1ms");
  EXPECT_EQ(FormatDuration(3'600'000), "1h");
  EXPECT_EQ(FormatDuration(5'400'000), "1h30m");
  EXPECT_EQ(FormatDuration(86'400'000), "24h");
  EXPECT_EQ(FormatDuration(3'661'001), "1h1m1s1ms");
  EXPECT_EQ(FormatDuration(-1'000), "-1s");
}

TEST(FormatDurationTest, RoundTripsThroughParse) {
  for (int64_t ms :
       {int64_t{1}, int64_t{999}, int64_t{1'000}, int64_t{59'999}, int64_t{90'000},
        int64_t{3'600'000}, int64_t{5'400'000}, int64_t{86'400'000}, int64_t{3'661'001}}) {
    EXPECT_EQ(ParseDurationMs(FormatDuration(ms)), std::optional<int64_t>(ms)) << ms;
  }
}

TEST(FakeClockTest, MovesOnlyWhenTold) {
  FakeClock clock(k0630);
  EXPECT_EQ(clock.NowMs(), k0630);
  EXPECT_EQ(clock.NowMs(), k0630);
  clock.Advance(1'500);
  EXPECT_EQ(clock.NowMs(), k0630 + 1'500);
  clock.Set(42);
  EXPECT_EQ(clock.NowMs(), 42);
}

TEST(SystemClockTest, IsNearTheRealTime) {
  SystemClock clock;
  int64_t a = clock.NowMs();
  // After 2020-01-01 and before 2100-01-01.
  EXPECT_GT(a, 1'577'836'800'000);
  EXPECT_LT(a, 4'102'444'800'000);
  EXPECT_GE(clock.NowMs(), a);
}

}  // namespace
}  // namespace retrain
