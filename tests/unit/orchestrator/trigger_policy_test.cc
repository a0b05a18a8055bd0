// DecideTrigger, a pure function, on simulated times.

#include "orchestrator/trigger_policy.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace retrain {
namespace {

constexpr int64_t kNow = 1795674600000;  // 2026-11-26T06:30:00.000Z
constexpr int64_t kMinute = 60'000;

class TriggerPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_.id = "m";
    model_.min_records = 10;
    in_.model = &model_;
    in_.now_ms = kNow;
    in_.since_ms = kNow - kMinute;
  }
  void Unseen(int64_t count, int64_t oldest_age_ms = 0) {
    in_.unseen.count = count;
    if (count > 0) {
      in_.unseen.oldest_landed_ms = kNow - oldest_age_ms;
      in_.unseen.last_cursor = std::to_string(count);
    } else {
      in_.unseen.oldest_landed_ms.reset();
      in_.unseen.last_cursor.clear();
    }
  }
  TriggerDecision Decide() { return DecideTrigger(in_); }

  ModelSettings model_;
  TriggerInputs in_;
};

TEST_F(TriggerPolicyTest, ThresholdFiresExactlyAtMinRecords) {
  Unseen(10);
  auto d = Decide();
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(ToString(d.reason), "threshold");
  EXPECT_EQ(d.threshold, 10);
  Unseen(11);
  EXPECT_TRUE(Decide().fire);
}

TEST_F(TriggerPolicyTest, OneBelowMinRecordsDoesNotFire) {
  Unseen(9);
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "insufficient_data");
  EXPECT_EQ(d.threshold, 10);
}

TEST_F(TriggerPolicyTest, NoDataNeverFires) {
  Unseen(0);
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "no_data");
  EXPECT_FALSE(d.oldest_unseen_age_ms.has_value());
  model_.max_wait_ms = 0;
  model_.schedule = "* * * * *";
  EXPECT_FALSE(Decide().fire);
}

TEST_F(TriggerPolicyTest, ActiveJobBlocksEverything) {
  Unseen(1000, 10 * kMinute);
  in_.active_job_id = "job-1";
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "job_active");
  EXPECT_NE(d.explanation.find("job-1"), std::string::npos) << d.explanation;
  in_.manual = true;
  in_.force = true;
  d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "job_active");
}

TEST_F(TriggerPolicyTest, CooldownBlocksAutomaticWithTimeLeft) {
  model_.cooldown_ms = 5 * kMinute;
  Unseen(100);
  in_.last_job_scheduled_ms = kNow - 2 * kMinute;
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "cooldown");
  EXPECT_EQ(d.cooldown_left_ms, 3 * kMinute);
  EXPECT_NE(d.explanation.find("3m left"), std::string::npos) << d.explanation;

  in_.now_ms = kNow + 3 * kMinute - 1;
  d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(d.cooldown_left_ms, 1);

  in_.now_ms = kNow + 3 * kMinute;  // exactly over
  d = Decide();
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(ToString(d.reason), "threshold");
  EXPECT_EQ(d.cooldown_left_ms, 0);
}

TEST_F(TriggerPolicyTest, NoCooldownWithoutAPreviousJob) {
  model_.cooldown_ms = 5 * kMinute;
  Unseen(100);
  auto d = Decide();
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(d.cooldown_left_ms, 0);
}

TEST_F(TriggerPolicyTest, MaxWaitFiresBelowThresholdOnceTheOldestIsOldEnough) {
  model_.max_wait_ms = 10 * kMinute;
  Unseen(3, 10 * kMinute - 1);
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "insufficient_data");
  EXPECT_EQ(d.oldest_unseen_age_ms, std::optional<int64_t>(10 * kMinute - 1));

  Unseen(3, 10 * kMinute);
  d = Decide();
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(ToString(d.reason), "max_wait");
  EXPECT_EQ(d.oldest_unseen_age_ms, std::optional<int64_t>(10 * kMinute));

  Unseen(1, 20 * kMinute);
  EXPECT_TRUE(Decide().fire);
}

TEST_F(TriggerPolicyTest, MaxWaitOffByDefault) {
  Unseen(3, 1000 * kMinute);
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "insufficient_data");
}

TEST_F(TriggerPolicyTest, MaxWaitStillRespectsCooldown) {
  model_.max_wait_ms = kMinute;
  model_.cooldown_ms = 10 * kMinute;
  in_.last_job_scheduled_ms = kNow - kMinute;
  Unseen(3, 5 * kMinute);
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "cooldown");
  EXPECT_EQ(d.cooldown_left_ms, 9 * kMinute);
}

TEST_F(TriggerPolicyTest, ScheduleFiresOnlyAfterACronTimePassesSinceTheBaseline) {
  model_.schedule = "0 * * * *";  // on the hour
  in_.since_ms = ParseRfc3339("2026-11-26T06:10:00Z").value();
  Unseen(2);
  in_.now_ms = ParseRfc3339("2026-11-26T06:59:59.999Z").value();
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "insufficient_data");
  EXPECT_EQ(d.next_schedule_ms, ParseRfc3339("2026-11-26T07:00:00Z"));

  in_.now_ms = ParseRfc3339("2026-11-26T07:00:00Z").value();
  d = Decide();
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(ToString(d.reason), "schedule");

  // A baseline after the cron time (the last job ran at 07:00) waits for 08:00.
  in_.since_ms = ParseRfc3339("2026-11-26T07:00:00Z").value();
  in_.now_ms = ParseRfc3339("2026-11-26T07:30:00Z").value();
  d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(d.next_schedule_ms, ParseRfc3339("2026-11-26T08:00:00Z"));
}

TEST_F(TriggerPolicyTest, ScheduleNeedsData) {
  model_.schedule = "* * * * *";
  Unseen(0);
  in_.now_ms = kNow + 10 * kMinute;
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "no_data");
}

TEST_F(TriggerPolicyTest, ManualNeedsMinRecords) {
  in_.manual = true;
  Unseen(9);
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "insufficient_data");
  EXPECT_EQ(d.threshold, 10);
  EXPECT_NE(d.explanation.find("force lowers this to 1"), std::string::npos) << d.explanation;
  Unseen(10);
  d = Decide();
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(ToString(d.reason), "threshold");
}

TEST_F(TriggerPolicyTest, ManualForceNeedsOneRecord) {
  in_.manual = true;
  in_.force = true;
  Unseen(1);
  auto d = Decide();
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(ToString(d.reason), "forced");
  EXPECT_EQ(d.threshold, 1);
  Unseen(10);
  d = Decide();
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(ToString(d.reason), "threshold");
}

TEST_F(TriggerPolicyTest, ManualWithNoDataIsNoData) {
  in_.manual = true;
  Unseen(0);
  auto d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "no_data");
  in_.force = true;
  d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "no_data");
  EXPECT_EQ(d.threshold, 1);
}

TEST_F(TriggerPolicyTest, ManualIgnoresCooldownMaxWaitAndSchedule) {
  in_.manual = true;
  model_.cooldown_ms = 60 * kMinute;
  in_.last_job_scheduled_ms = kNow - kMinute;
  Unseen(10);
  auto d = Decide();
  EXPECT_TRUE(d.fire) << ToString(d.reason);
  EXPECT_EQ(ToString(d.reason), "threshold");

  // Below the threshold, maxWait and a passed schedule do not help a manual request.
  model_.max_wait_ms = kMinute;
  model_.schedule = "* * * * *";
  in_.since_ms = kNow - 60 * kMinute;
  Unseen(5, 30 * kMinute);
  d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(ToString(d.reason), "insufficient_data");
}

TEST_F(TriggerPolicyTest, OldestAgeIsNeverNegative) {
  Unseen(1);
  in_.unseen.oldest_landed_ms = kNow + 5000;  // a clock skew between feed and orchestrator
  auto d = Decide();
  EXPECT_EQ(d.oldest_unseen_age_ms, std::optional<int64_t>(0));
}

TEST_F(TriggerPolicyTest, DriftFiresBelowTheThresholdNamingTheFeature) {
  model_.min_records = 1000;
  model_.drift = DriftSettings{0.2, {}, 50};
  Unseen(60);
  in_.drift = DriftSignal{"age_hours", 0.314, 60};
  TriggerDecision d = Decide();
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(d.reason, TriggerReason::kDrift);
  EXPECT_EQ(ToString(d.reason), "drift");
  EXPECT_NE(d.explanation.find("feature age_hours drifted"), std::string::npos) << d.explanation;
  EXPECT_NE(d.explanation.find("0.314"), std::string::npos) << d.explanation;
  EXPECT_NE(d.explanation.find("threshold 0.200"), std::string::npos) << d.explanation;
}

TEST_F(TriggerPolicyTest, DriftBelowItsThresholdOrMinRecordsHoldsBackAndSaysWhy) {
  model_.min_records = 1000;
  model_.drift = DriftSettings{0.2, {}, 50};
  Unseen(60);
  in_.drift = DriftSignal{"age_hours", 0.199, 60};
  TriggerDecision d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(d.reason, TriggerReason::kInsufficientData);
  EXPECT_NE(d.explanation.find("drift: largest PSI 0.199 (age_hours), threshold 0.200"),
            std::string::npos)
      << d.explanation;

  Unseen(49);
  in_.drift = DriftSignal{"age_hours", 0.9, 49};
  d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_NE(d.explanation.find("needs 50 unseen records"), std::string::npos) << d.explanation;

  in_.drift.reset();
  d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_NE(d.explanation.find("drift: not measured yet"), std::string::npos) << d.explanation;
}

TEST_F(TriggerPolicyTest, DriftIgnoredWithoutTheSettingAndForManualRequests) {
  model_.min_records = 1000;
  Unseen(60);
  in_.drift = DriftSignal{"x", 5.0, 60};
  EXPECT_FALSE(Decide().fire);  // no trigger.drift
  model_.drift = DriftSettings{0.2, {}, 50};
  in_.manual = true;
  TriggerDecision d = Decide();
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(d.reason, TriggerReason::kInsufficientData);
}

TEST_F(TriggerPolicyTest, ThresholdWinsOverDriftAndCooldownHoldsDrift) {
  model_.drift = DriftSettings{0.2, {}, 5};
  Unseen(10);
  in_.drift = DriftSignal{"x", 1.0, 10};
  EXPECT_EQ(Decide().reason, TriggerReason::kThreshold);
  Unseen(6);
  model_.cooldown_ms = 10 * kMinute;
  in_.last_job_scheduled_ms = kNow - kMinute;
  EXPECT_EQ(Decide().reason, TriggerReason::kCooldown);
  in_.last_job_scheduled_ms = kNow - 11 * kMinute;
  EXPECT_EQ(Decide().reason, TriggerReason::kDrift);
}

}  // namespace
}  // namespace retrain
