#include "core/backoff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace retrain {
namespace {

TEST(Backoff, GrowsFromBaseAndStaysWithinHalfToFull) {
  // random 0 gives the fixed half, random max-ish the full delay.
  EXPECT_EQ(BackoffDelayMs(1, 1000, 30'000, 2, 0), 500);
  EXPECT_EQ(BackoffDelayMs(1, 1000, 30'000, 2, 500), 1000);
  EXPECT_EQ(BackoffDelayMs(2, 1000, 30'000, 2, 0), 1000);
  EXPECT_EQ(BackoffDelayMs(3, 1000, 30'000, 2, 0), 2000);
  EXPECT_EQ(BackoffDelayMs(3, 1000, 30'000, 2, 2000), 4000);
  for (uint64_t r : {uint64_t{0}, uint64_t{7}, uint64_t{123456789}, ~uint64_t{0}}) {
    int64_t d = BackoffDelayMs(4, 1000, 30'000, 2, r);
    EXPECT_GE(d, 4000);
    EXPECT_LE(d, 8000);
  }
}

TEST(Backoff, SaturatesAtTheCap) {
  EXPECT_EQ(BackoffDelayMs(6, 1000, 30'000, 2, 0), 15'000);
  EXPECT_EQ(BackoffDelayMs(1'000'000, 1000, 30'000, 2, 0), 15'000);
  EXPECT_LE(BackoffDelayMs(std::numeric_limits<int>::max(), 1000, 30'000, 2, ~uint64_t{0}), 30'000);
  EXPECT_EQ(BackoffDelayMs(0, 1000, 30'000, 2, 0), 500);  // treated as the first failure
  EXPECT_EQ(BackoffDelayMs(3, 0, 30'000, 2, 99), 0);
}

}  // namespace
}  // namespace retrain
