// The Orchestrator's triggers on the real SQLite store and embedded feed, on simulated time:
// the automatic threshold, contiguous windows across a failed job, manual and forced requests,
// cooldown, maxWait, schedule, idempotency keys, preview and overview.

#include <gtest/gtest.h>

#include "orchestrator_test_util.h"

namespace retrain {
namespace {

using testing::DetailText;
using testing::MakeModel;

constexpr int64_t kMinute = 60'000;

class OrchestratorTriggerTest : public testing::OrchestratorTest {};

TEST_F(OrchestratorTriggerTest, AutomaticTriggerAtExactlyMinRecords) {
  Build({MakeModel("m", 5)});
  Append(4);
  orch_->auto_trigger().RunOnce();
  EXPECT_TRUE(Jobs("m").empty());
  EXPECT_EQ(metrics_.Value("retrain_unseen_records", {{"model", "m"}}), 4);

  Append(1);
  orch_->auto_trigger().RunOnce();
  auto jobs = Jobs("m");
  ASSERT_EQ(jobs.size(), 1u);
  const Job& j = jobs[0];
  EXPECT_EQ(j.status, JobStatus::kPending);
  EXPECT_EQ(j.trigger, TriggerKind::kAutomatic);
  EXPECT_EQ(j.window.after, "");
  EXPECT_EQ(j.window.upto, "5");
  EXPECT_EQ(j.window.records, 5);
  EXPECT_EQ(j.window.ingestion_jobs,
            (std::vector<std::pair<std::string, int64_t>>{{"ingest-1", 5}}));
  EXPECT_EQ(j.scheduled_at_ms, clock_.NowMs());
  EXPECT_EQ(j.executor, "local");
  EXPECT_EQ(j.attempt, 1);
  ASSERT_TRUE(j.reason.has_value());
  EXPECT_NE(j.reason->find("threshold"), std::string::npos) << *j.reason;
  EXPECT_EQ(metrics_.Value("retrain_jobs_total", {{"model", "m"}, {"status", "pending"}}), 1);
  EXPECT_EQ(metrics_.Value("retrain_unseen_records", {{"model", "m"}}), 5);

  // More data while the job is active creates nothing.
  Append(10);
  orch_->auto_trigger().RunOnce();
  EXPECT_EQ(Jobs("m").size(), 1u);
}

TEST_F(OrchestratorTriggerTest, AutomaticDisabledOnlyUpdatesGauges) {
  OrchestratorOptions o;
  o.models = {MakeModel("m", 1)};
  o.automatic = false;
  o.callback_secret = "s";
  orch_ = std::make_unique<Orchestrator>(o, *store_, *feed_, exec_, nullptr, clock_, metrics_);
  Append(3);
  orch_->auto_trigger().RunOnce();
  EXPECT_TRUE(Jobs("m").empty());
  EXPECT_EQ(metrics_.Value("retrain_unseen_records", {{"model", "m"}}), 3);
}

TEST_F(OrchestratorTriggerTest, WindowsStayContiguousWhenAJobFails) {
  Build({MakeModel("m", 5)});
  Append(5, "entity", "ingest-1");
  orch_->auto_trigger().RunOnce();
  auto j1 = Jobs("m").at(0);
  orch_->reconciler().ReconcileOnce();
  ASSERT_TRUE(Report(j1.id, JobStatus::kCompleted).has_value());
  EXPECT_EQ(Watermark("m"), "5");

  Append(5, "entity", "ingest-2");
  orch_->auto_trigger().RunOnce();
  auto j2 = Jobs("m").at(0);
  ASSERT_NE(j2.id, j1.id);
  EXPECT_EQ(j2.window.after, "5");
  EXPECT_EQ(j2.window.upto, "10");
  orch_->reconciler().ReconcileOnce();
  ASSERT_TRUE(Report(j2.id, JobStatus::kRunning).has_value());
  ASSERT_TRUE(Report(j2.id, JobStatus::kFailed).has_value());
  EXPECT_EQ(Watermark("m"), "5");  // a failed job releases its window

  Append(2, "entity", "ingest-3");
  orch_->auto_trigger().RunOnce();
  auto j3 = Jobs("m").at(0);
  ASSERT_NE(j3.id, j2.id);
  EXPECT_EQ(j3.window.after, "5");  // the same start as the failed job
  EXPECT_EQ(j3.window.upto, "12");
  EXPECT_EQ(j3.window.records, 7);
  std::vector<std::pair<std::string, int64_t>> jobs = {{"ingest-2", 5}, {"ingest-3", 2}};
  EXPECT_EQ(j3.window.ingestion_jobs, jobs);
  orch_->reconciler().ReconcileOnce();
  ASSERT_TRUE(Report(j3.id, JobStatus::kCompleted).has_value());
  EXPECT_EQ(Watermark("m"), "12");

  // The completed windows cover every record exactly once.
  std::vector<int> covered(13, 0);
  for (const Job& j : Jobs("m")) {
    if (j.status != JobStatus::kCompleted) continue;
    int after = j.window.after.empty() ? 0 : std::stoi(j.window.after);
    for (int c = after + 1; c <= std::stoi(j.window.upto); ++c) ++covered[c];
  }
  for (int c = 1; c <= 12; ++c) EXPECT_EQ(covered[c], 1) << "record " << c;
}

TEST_F(OrchestratorTriggerTest, CancelledJobReleasesItsWindowToo) {
  Build({MakeModel("m", 3)});
  Append(3);
  orch_->auto_trigger().RunOnce();
  auto j1 = Jobs("m").at(0);
  ASSERT_TRUE(orch_->commands().Cancel(j1.id, EventSource::kApi).has_value());
  Append(1);
  orch_->auto_trigger().RunOnce();
  auto j2 = Jobs("m").at(0);
  ASSERT_NE(j2.id, j1.id);
  EXPECT_EQ(j2.window.after, "");
  EXPECT_EQ(j2.window.records, 4);
}

TEST_F(OrchestratorTriggerTest, EntityTypeFilterCountsOnlyMatchingRecords) {
  ModelSettings ind = MakeModel("ind", 3);
  ind.entity_types = {"indicator"};
  Build({ind, MakeModel("all", 100)});
  Append(2, "indicator");
  Append(5, "entity");
  orch_->auto_trigger().RunOnce();
  EXPECT_TRUE(Jobs("ind").empty());
  Append(1, "indicator");
  Append(2, "entity");
  orch_->auto_trigger().RunOnce();
  auto jobs = Jobs("ind");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].window.records, 3);
  EXPECT_EQ(jobs[0].window.upto, "8");  // the last indicator, not the feed head
  EXPECT_TRUE(Jobs("all").empty());
  EXPECT_EQ(metrics_.Value("retrain_unseen_records", {{"model", "all"}}), 10);
}

TEST_F(OrchestratorTriggerTest, UnknownModel) {
  Build({MakeModel("m", 5)});
  auto r = Trigger("nope", TriggerKind::kManual, std::nullopt, true);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().api_code, "unknown_model");
  EXPECT_EQ(DetailText(r.error(), "modelId"), "nope");
  auto p = orch_->reads().Preview("nope");
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().api_code, "unknown_model");
}

TEST_F(OrchestratorTriggerTest, ManualBelowThresholdIsInsufficientData) {
  Build({MakeModel("m", 5)});
  Append(3);
  auto r = Trigger("m", TriggerKind::kManual, "backfill", false);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().api_code, "insufficient_data");
  EXPECT_EQ(DetailText(r.error(), "unseenRecords"), "3");
  EXPECT_EQ(DetailText(r.error(), "minRecords"), "5");
  EXPECT_TRUE(Jobs("m").empty());
}

TEST_F(OrchestratorTriggerTest, ForceLowersTheThresholdToOne) {
  Build({MakeModel("m", 5)});
  Append(3);
  auto r = Trigger("m", TriggerKind::kGraphql, "manual backfill", true);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->trigger, TriggerKind::kGraphql);
  EXPECT_EQ(r->reason, std::optional<std::string>("manual backfill"));
  EXPECT_EQ(r->window.records, 3);
  EXPECT_EQ(r->window.upto, "3");
  EXPECT_EQ(r->status, JobStatus::kPending);
}

TEST_F(OrchestratorTriggerTest, ManualWithoutReasonSaysSo) {
  Build({MakeModel("m", 1)});
  Append(1);
  auto r = Trigger("m", TriggerKind::kManual, std::nullopt, false);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->reason, std::optional<std::string>("manual request"));
}

TEST_F(OrchestratorTriggerTest, ForceWithNoDataIsInsufficientData) {
  Build({MakeModel("m", 5)});
  auto r = Trigger("m", TriggerKind::kManual, std::nullopt, true);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().api_code, "insufficient_data");
  EXPECT_EQ(DetailText(r.error(), "unseenRecords"), "0");
  EXPECT_EQ(DetailText(r.error(), "minRecords"), "1");
}

TEST_F(OrchestratorTriggerTest, SecondTriggerIsJobActive) {
  Build({MakeModel("m", 1)});
  Append(2);
  auto first = Trigger("m", TriggerKind::kManual, std::nullopt, false);
  ASSERT_TRUE(first.has_value());
  Append(2);
  auto second = Trigger("m", TriggerKind::kManual, std::nullopt, true);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(second.error().api_code, "job_active");
  EXPECT_EQ(DetailText(second.error(), "jobId"), first->id);
}

TEST_F(OrchestratorTriggerTest, IdempotencyKeyReplaysTheJob) {
  Build({MakeModel("m", 1), MakeModel("other", 1)});
  Append(2);
  bool replayed = true;
  auto first = Trigger("m", TriggerKind::kManual, std::nullopt, false, "key-1", &replayed);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(replayed);
  auto again = Trigger("m", TriggerKind::kManual, std::nullopt, false, "key-1", &replayed);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_TRUE(replayed);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(Jobs("m").size(), 1u);

  auto reused = Trigger("other", TriggerKind::kManual, std::nullopt, false, "key-1", &replayed);
  ASSERT_FALSE(reused.has_value());
  EXPECT_EQ(reused.error().code, ErrorCode::kUnprocessable);
  EXPECT_EQ(reused.error().api_code, "idempotency_key_reused");
  EXPECT_TRUE(Jobs("other").empty());
}

TEST_F(OrchestratorTriggerTest, CooldownBlocksAutomaticButNotManual) {
  ModelSettings m = MakeModel("m", 2);
  m.cooldown_ms = 10 * kMinute;
  Build({m});
  Append(2);
  orch_->auto_trigger().RunOnce();
  auto j1 = Jobs("m").at(0);
  orch_->reconciler().ReconcileOnce();
  ASSERT_TRUE(Report(j1.id, JobStatus::kCompleted).has_value());

  clock_.Advance(4 * kMinute);
  Append(5);
  orch_->auto_trigger().RunOnce();
  EXPECT_EQ(Jobs("m").size(), 1u);
  auto automatic = Trigger("m", TriggerKind::kAutomatic, std::nullopt, false);
  ASSERT_FALSE(automatic.has_value());
  EXPECT_EQ(automatic.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(automatic.error().api_code, "cooldown");
  auto preview = orch_->reads().Preview("m");
  ASSERT_TRUE(preview.has_value());
  EXPECT_EQ(ToString(preview->automatic.reason), "cooldown");
  EXPECT_EQ(preview->automatic.cooldown_left_ms, 6 * kMinute);
  EXPECT_TRUE(preview->manual.fire);

  clock_.Advance(6 * kMinute - 1);
  orch_->auto_trigger().RunOnce();
  EXPECT_EQ(Jobs("m").size(), 1u);
  clock_.Advance(1);
  orch_->auto_trigger().RunOnce();
  ASSERT_EQ(Jobs("m").size(), 2u);
  EXPECT_EQ(Jobs("m").at(0).window.records, 5);
}

TEST_F(OrchestratorTriggerTest, ManualTriggerSkipsTheCooldown) {
  ModelSettings m = MakeModel("m", 2);
  m.cooldown_ms = 60 * kMinute;
  Build({m});
  Append(2);
  orch_->auto_trigger().RunOnce();
  orch_->reconciler().ReconcileOnce();
  ASSERT_TRUE(Report(Jobs("m").at(0).id, JobStatus::kCompleted).has_value());
  clock_.Advance(kMinute);
  Append(2);
  auto r = Trigger("m", TriggerKind::kManual, std::nullopt, false);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->window.after, "2");
}

TEST_F(OrchestratorTriggerTest, MaxWaitFiresBelowThresholdOnceTheOldestRecordIsOldEnough) {
  ModelSettings m = MakeModel("m", 100);
  m.max_wait_ms = 10 * kMinute;
  Build({m});
  Append(3);  // lands at kT0
  orch_->auto_trigger().RunOnce();
  EXPECT_TRUE(Jobs("m").empty());
  clock_.Advance(10 * kMinute - 1);
  Append(1);
  orch_->auto_trigger().RunOnce();
  EXPECT_TRUE(Jobs("m").empty());
  clock_.Advance(1);
  orch_->auto_trigger().RunOnce();
  auto jobs = Jobs("m");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].window.records, 4);
  ASSERT_TRUE(jobs[0].reason.has_value());
  EXPECT_NE(jobs[0].reason->find("maxWait"), std::string::npos) << *jobs[0].reason;
}

TEST_F(OrchestratorTriggerTest, ScheduleFiresOnlyAfterACronTimePasses) {
  ModelSettings m = MakeModel("m", 100);
  m.schedule = "0 * * * *";
  Build({m});  // started at 06:30
  Append(3);
  orch_->auto_trigger().RunOnce();
  EXPECT_TRUE(Jobs("m").empty());
  clock_.Set(ParseRfc3339("2026-11-26T06:59:59.999Z").value());
  orch_->auto_trigger().RunOnce();
  EXPECT_TRUE(Jobs("m").empty());
  clock_.Set(ParseRfc3339("2026-11-26T07:00:00Z").value());
  orch_->auto_trigger().RunOnce();
  auto jobs = Jobs("m");
  ASSERT_EQ(jobs.size(), 1u);
  orch_->reconciler().ReconcileOnce();
  ASSERT_TRUE(Report(jobs[0].id, JobStatus::kCompleted).has_value());

  // The next run waits for 08:00: the baseline is now the last job.
  Append(2);
  clock_.Set(ParseRfc3339("2026-11-26T07:59:00Z").value());
  orch_->auto_trigger().RunOnce();
  EXPECT_EQ(Jobs("m").size(), 1u);
  clock_.Set(ParseRfc3339("2026-11-26T08:00:00Z").value());
  orch_->auto_trigger().RunOnce();
  ASSERT_EQ(Jobs("m").size(), 2u);
  EXPECT_EQ(Jobs("m").at(0).window.records, 2);
}

TEST_F(OrchestratorTriggerTest, PreviewCreatesNothing) {
  ModelSettings m = MakeModel("m", 5);
  m.max_wait_ms = kMinute;
  Build({m});
  Append(3);
  clock_.Advance(30'000);
  auto p = orch_->reads().Preview("m");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->watermark, "");
  EXPECT_EQ(p->unseen.count, 3);
  EXPECT_FALSE(p->active_job_id.has_value());
  EXPECT_FALSE(p->automatic.fire);
  EXPECT_EQ(p->automatic.oldest_unseen_age_ms, std::optional<int64_t>(30'000));
  EXPECT_FALSE(p->manual.fire);
  EXPECT_EQ(ToString(p->manual.reason), "insufficient_data");
  clock_.Advance(30'000);
  p = orch_->reads().Preview("m");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->automatic.fire);
  EXPECT_EQ(ToString(p->automatic.reason), "max_wait");
  EXPECT_TRUE(Jobs("m").empty());
}

TEST_F(OrchestratorTriggerTest, OverviewPerModel) {
  ModelSettings ind = MakeModel("ind", 1);
  ind.entity_types = {"indicator"};
  Build({MakeModel("m", 2), ind});
  Append(2, "entity");
  Append(1, "indicator");
  auto job = Trigger("m", TriggerKind::kManual, std::nullopt, false);
  ASSERT_TRUE(job.has_value());
  auto o = orch_->reads().Overview();
  ASSERT_TRUE(o.has_value());
  ASSERT_EQ(o->size(), 2u);
  EXPECT_EQ((*o)[0].model->id, "m");
  EXPECT_EQ((*o)[0].unseen_records, 3);
  ASSERT_TRUE((*o)[0].active_job.has_value());
  EXPECT_EQ((*o)[0].active_job->id, job->id);
  EXPECT_EQ((*o)[0].last_job->id, job->id);
  EXPECT_EQ((*o)[1].model->id, "ind");
  EXPECT_EQ((*o)[1].unseen_records, 1);
  EXPECT_FALSE((*o)[1].active_job.has_value());
  EXPECT_FALSE((*o)[1].last_job.has_value());
  EXPECT_EQ(orch_->FindModel("ind"), &orch_->models()[1]);
  EXPECT_EQ(orch_->FindModel("x"), nullptr);
}

}  // namespace
}  // namespace retrain
