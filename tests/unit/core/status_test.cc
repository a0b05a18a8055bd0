// The job status transition table against CONTRACT section 3, checked for every pair.

#include "core/status.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <utility>

namespace retrain {
namespace {

using S = JobStatus;
constexpr std::array<S, 6> kAll = {S::kPending,   S::kScheduled, S::kRunning,
                                   S::kCompleted, S::kFailed,    S::kCancelled};

// Exactly the transitions the contract allows; every other pair is refused.
const std::set<std::pair<S, S>>& Allowed() {
  static const std::set<std::pair<S, S>> allowed = {
      {S::kPending, S::kScheduled},   {S::kPending, S::kFailed},      {S::kPending, S::kCancelled},
      {S::kScheduled, S::kRunning},   {S::kScheduled, S::kCompleted}, {S::kScheduled, S::kFailed},
      {S::kScheduled, S::kCancelled}, {S::kRunning, S::kRunning},     {S::kRunning, S::kCompleted},
      {S::kRunning, S::kFailed},      {S::kRunning, S::kCancelled},
  };
  return allowed;
}

TEST(StatusTest, EveryPairMatchesTheContract) {
  int checked = 0;
  for (S from : kAll) {
    for (S to : kAll) {
      bool expected = Allowed().count({from, to}) > 0;
      EXPECT_EQ(CanTransition(from, to), expected) << ToString(from) << " -> " << ToString(to);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 36);
}

TEST(StatusTest, NothingLeavesATerminalState) {
  for (S from : {S::kCompleted, S::kFailed, S::kCancelled}) {
    for (S to : kAll) {
      EXPECT_FALSE(CanTransition(from, to)) << ToString(from) << " -> " << ToString(to);
    }
  }
}

TEST(StatusTest, NothingGoesBackToPending) {
  for (S from : kAll) EXPECT_FALSE(CanTransition(from, S::kPending)) << ToString(from);
}

TEST(StatusTest, TerminalAndActiveArePartitions) {
  EXPECT_FALSE(IsTerminal(S::kPending));
  EXPECT_FALSE(IsTerminal(S::kScheduled));
  EXPECT_FALSE(IsTerminal(S::kRunning));
  EXPECT_TRUE(IsTerminal(S::kCompleted));
  EXPECT_TRUE(IsTerminal(S::kFailed));
  EXPECT_TRUE(IsTerminal(S::kCancelled));
  for (S s : kAll) EXPECT_NE(IsTerminal(s), IsActive(s)) << ToString(s);
}

TEST(StatusTest, NamesAreTheContractNames) {
  EXPECT_EQ(ToString(S::kPending), "pending");
  EXPECT_EQ(ToString(S::kScheduled), "scheduled");
  EXPECT_EQ(ToString(S::kRunning), "running");
  EXPECT_EQ(ToString(S::kCompleted), "completed");
  EXPECT_EQ(ToString(S::kFailed), "failed");
  EXPECT_EQ(ToString(S::kCancelled), "cancelled");
}

TEST(StatusTest, ParseRoundTripsEveryStatus) {
  for (S s : kAll) {
    auto parsed = ParseStatus(ToString(s));
    ASSERT_TRUE(parsed.has_value()) << ToString(s);
    EXPECT_EQ(*parsed, s);
  }
}

TEST(StatusTest, ParseRejectsOtherSpellings) {
  for (const char* bad : {"", "Pending", "RUNNING", "canceled", "done", "running ", " failed",
                          "complete", "succeeded"}) {
    EXPECT_FALSE(ParseStatus(bad).has_value()) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace retrain
