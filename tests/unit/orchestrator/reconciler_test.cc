// The Reconciler on its own terms: Reconcile(job_id) and what it asks to be requeued, per-job
// backoff after failed steps (growing, capped, longer for rejected credentials, ended by a change
// to the job), the MLflow mirror through a fake tracker, and the one way every job ends.

#include <gtest/gtest.h>

#include "orchestrator/job_finish.h"
#include "orchestrator_test_util.h"

namespace retrain {
namespace {

using testing::FakeTracker;
using testing::MakeModel;

class ReconcilerTest : public testing::OrchestratorTest {
 protected:
  Job MakePendingJob(Tracker* tracker = nullptr) {
    Build({MakeModel("m", 3)}, true, tracker);
    Append(3);
    auto j = Trigger("m", TriggerKind::kManual, "test", false);
    EXPECT_TRUE(j.has_value()) << j.error().message;
    return j.value_or(Job{});
  }

  // Passes until the executor has seen `n` submissions, advancing the clock by `step_ms` before
  // each; returns the simulated time that took.
  int64_t TimeUntilSubmits(size_t n, int64_t step_ms, int64_t limit_ms = 600'000) {
    int64_t start = clock_.NowMs();
    while (exec_.submits.size() < n && clock_.NowMs() - start < limit_ms) {
      clock_.Advance(step_ms);
      orch_->reconciler().ReconcileOnce();
    }
    return clock_.NowMs() - start;
  }

  void FailSubmits(int n, ErrorCode code) {
    for (int i = 0; i < n; ++i) exec_.submit_errors.push_back(Fail(code, "refused").error());
  }
};

TEST_F(ReconcilerTest, ReconcileTakesOneStepAndSaysWhenToLookAgain) {
  Job j = MakePendingJob();
  auto r = orch_->reconciler().Reconcile(j.id);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->done);
  EXPECT_EQ(r->after_ms, 1'000);  // the reconcile interval
  EXPECT_EQ(Get(j.id).status, JobStatus::kScheduled);
  ASSERT_TRUE(Report(j.id, JobStatus::kCompleted).has_value());
  r = orch_->reconciler().Reconcile(j.id);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->done);
  EXPECT_TRUE(Get(j.id).tracking_finalized);

  auto missing = orch_->reconciler().Reconcile("no-such-job");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(ReconcilerTest, AFailedStepNamesWhatItWasDoing) {
  Job j = MakePendingJob();
  FailSubmits(1, ErrorCode::kUnavailable);
  auto r = orch_->reconciler().Reconcile(j.id);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message, "handing the job to the executor: refused");
}

TEST_F(ReconcilerTest, BackoffGrowsAndIsCapped) {
  Job j = MakePendingJob();
  FailSubmits(12, ErrorCode::kUnavailable);
  orch_->reconciler().ReconcileOnce();  // failure 1
  ASSERT_EQ(exec_.submits.size(), 1u);
  // Waits in [d/2, d] for d = 1 s, 2 s, 4 s, 8 s, then 10 s (the cap) each.
  int64_t total = 0;
  for (size_t n = 2; n <= 13; ++n) {
    int64_t waited = TimeUntilSubmits(n, 100);
    ASSERT_EQ(exec_.submits.size(), n);
    const int64_t d = std::min<int64_t>(10'000, int64_t{1'000} << std::min<size_t>(n - 2, 20));
    EXPECT_GE(waited, d / 2) << "try " << n;
    EXPECT_LE(waited, d + 100) << "try " << n;
    total += waited;
  }
  EXPECT_EQ(Get(j.id).status, JobStatus::kScheduled);  // the 13th try went through
  EXPECT_GT(total, 8 * 5'000);                         // the cap was reached and held
}

TEST_F(ReconcilerTest, RejectedCredentialsBackOffLonger) {
  Job j = MakePendingJob();
  FailSubmits(12, ErrorCode::kPermissionDenied);
  orch_->reconciler().ReconcileOnce();
  TimeUntilSubmits(8, 100);  // past the ordinary cap
  int64_t waited = TimeUntilSubmits(9, 100);
  EXPECT_GT(waited, 10'000);  // beyond retry_cap_ms: the credentials cap (30 s) applies
  EXPECT_LE(waited, 30'100);
  // Rejected credentials wait; they do not fail the attempt.
  EXPECT_EQ(Get(j.id).attempt, 1);
  EXPECT_EQ(Get(j.id).status, JobStatus::kPending);
}

TEST_F(ReconcilerTest, AChangeToTheJobEndsItsBackoff) {
  Job j = MakePendingJob();
  FailSubmits(5, ErrorCode::kUnavailable);
  for (size_t n = 1; n <= 5; ++n) TimeUntilSubmits(n, 100);  // now waiting up to 16 s
  orch_->reconciler().ReconcileOnce();
  ASSERT_EQ(exec_.submits.size(), 5u);
  ASSERT_TRUE(orch_->commands().Cancel(j.id, EventSource::kApi).has_value());
  orch_->reconciler().ReconcileOnce();  // the same instant: the cancel is acted on at once
  EXPECT_TRUE(Get(j.id).tracking_finalized);
  EXPECT_NE(std::find(exec_.cancels.begin(), exec_.cancels.end(), j.id), exec_.cancels.end());
}

TEST_F(ReconcilerTest, OneBackingOffJobDoesNotHoldBackAnother) {
  Build({MakeModel("a", 1), MakeModel("b", 1)});
  Append(1);
  auto a = Trigger("a", TriggerKind::kManual, std::nullopt, false);
  auto b = Trigger("b", TriggerKind::kManual, std::nullopt, false);
  ASSERT_TRUE(a.has_value() && b.has_value());
  FailSubmits(1, ErrorCode::kUnavailable);  // whichever goes first fails and backs off
  orch_->reconciler().ReconcileOnce();
  EXPECT_EQ(exec_.submits.size(), 2u);
  int scheduled =
      (Get(a->id).status == JobStatus::kScheduled) + (Get(b->id).status == JobStatus::kScheduled);
  EXPECT_EQ(scheduled, 1);
  orch_->reconciler().ReconcileOnce();  // no time passed: the other one still waits
  EXPECT_EQ(exec_.submits.size(), 2u);
  clock_.Advance(1'000);
  orch_->reconciler().ReconcileOnce();
  EXPECT_EQ(Get(a->id).status, JobStatus::kScheduled);
  EXPECT_EQ(Get(b->id).status, JobStatus::kScheduled);
}

TEST_F(ReconcilerTest, TheRunIsCreatedOnceAndItsIdReachesTheWorker) {
  FakeTracker tracker;
  Job j = MakePendingJob(&tracker);
  orch_->reconciler().ReconcileOnce();
  orch_->reconciler().ReconcileOnce();
  ASSERT_EQ(tracker.runs.size(), 1u);
  EXPECT_EQ(tracker.ensure_calls, 1);
  Job now = Get(j.id);
  ASSERT_TRUE(now.mlflow_run_id.has_value());
  EXPECT_EQ(*now.mlflow_run_id, "run-1");
  ASSERT_EQ(exec_.submits.size(), 1u);
  EXPECT_EQ(exec_.submits[0].env.at("MLFLOW_RUN_ID"), "run-1");
  EXPECT_EQ(exec_.submits[0].env.at("MLFLOW_EXPERIMENT_ID"), "1");
  EXPECT_EQ(exec_.submits[0].env.at("MLFLOW_TRACKING_URI"), "fake://tracking");
}

TEST_F(ReconcilerTest, ATrackerThatIsDownKeepsTheJobPendingUntilItAnswers) {
  FakeTracker tracker;
  tracker.script = {Fail(ErrorCode::kUnavailable, "mlflow down").error()};
  Job j = MakePendingJob(&tracker);
  orch_->reconciler().ReconcileOnce();
  EXPECT_EQ(Get(j.id).status, JobStatus::kPending);
  EXPECT_TRUE(exec_.submits.empty());  // never handed over without its run
  clock_.Advance(1'000);
  orch_->reconciler().ReconcileOnce();
  EXPECT_EQ(Get(j.id).status, JobStatus::kScheduled);
  EXPECT_EQ(exec_.submits.size(), 1u);
}

TEST_F(ReconcilerTest, MetricsAreMirroredOnceInOrderAndTheRunEndsWithTheJob) {
  FakeTracker tracker;
  Job j = MakePendingJob(&tracker);
  orch_->reconciler().ReconcileOnce();
  const std::string token = orch_->tokens().For(j.id, 1);
  for (int i = 1; i <= 3; ++i) {
    EventInput in;
    in.metrics = {{"auc", 0.5 + i / 10.0}};
    ASSERT_TRUE(orch_->commands().ApplyEvent(j.id, in, token).has_value());
  }
  // The tracker fails in the middle of the mirror: what was logged is kept, the rest follows.
  tracker.script = {std::nullopt, Fail(ErrorCode::kUnavailable, "mlflow down").error()};
  orch_->reconciler().ReconcileOnce();
  EXPECT_EQ(tracker.runs.at("run-1").metrics.size(), 1u);
  EXPECT_EQ(Get(j.id).tracked_event_seq, Events(j.id)[Events(j.id).size() - 3].seq);
  clock_.Advance(1'000);
  orch_->reconciler().ReconcileOnce();
  const auto& run = tracker.runs.at("run-1");
  ASSERT_EQ(run.metrics.size(), 3u);
  for (size_t i = 1; i < run.metrics.size(); ++i) {
    EXPECT_LT(run.metrics[i - 1].first, run.metrics[i].first);  // steps are event seqs
  }
  EXPECT_DOUBLE_EQ(run.metrics.back().second.at("auc"), 0.8);
  EXPECT_FALSE(run.end.has_value());

  EventInput done;
  done.status = JobStatus::kFailed;
  done.error = "out of memory";
  ASSERT_TRUE(orch_->commands().ApplyEvent(j.id, done, token).has_value());
  clock_.Advance(1'000);
  orch_->reconciler().ReconcileOnce();
  const auto& ended = tracker.runs.at("run-1");
  ASSERT_TRUE(ended.end.has_value());
  EXPECT_EQ(*ended.end, RunEndStatus::kFailed);
  EXPECT_EQ(ended.tags.at("retraining_status"), "failed");
  EXPECT_EQ(ended.tags.at("retraining_error"), "out of memory");
  EXPECT_EQ(ended.metrics.size(), 3u);  // nothing logged twice
  EXPECT_TRUE(Get(j.id).tracking_finalized);
}

TEST_F(ReconcilerTest, ACancelledRunIsKilled) {
  FakeTracker tracker;
  Job j = MakePendingJob(&tracker);
  orch_->reconciler().ReconcileOnce();
  ASSERT_TRUE(orch_->commands().Cancel(j.id, EventSource::kApi).has_value());
  orch_->reconciler().ReconcileOnce();
  ASSERT_TRUE(tracker.runs.at("run-1").end.has_value());
  EXPECT_EQ(*tracker.runs.at("run-1").end, RunEndStatus::kKilled);
  EXPECT_EQ(tracker.runs.at("run-1").tags.at("retraining_status"), "cancelled");
}

TEST_F(ReconcilerTest, EveryWayAJobEndsRecordsTheSameBookkeeping) {
  // A pending job cancelled before it ever started still gets its start and end times.
  Job j = MakePendingJob();
  clock_.Advance(5'000);
  auto c = orch_->commands().Cancel(j.id, EventSource::kApi);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->started_at_ms, std::optional<int64_t>(clock_.NowMs()));
  EXPECT_EQ(c->completed_at_ms, std::optional<int64_t>(clock_.NowMs()));

  for (JobStatus terminal : {JobStatus::kCompleted, JobStatus::kFailed, JobStatus::kCancelled}) {
    Job job;
    job.status = JobStatus::kRunning;
    job.started_at_ms = 10;
    FinishJob(job, terminal, 20);
    EXPECT_EQ(job.status, terminal);
    EXPECT_EQ(job.started_at_ms, std::optional<int64_t>(10));  // kept when set
    EXPECT_EQ(job.completed_at_ms, std::optional<int64_t>(20));
    EXPECT_EQ(job.progress == std::optional<double>(1.0), terminal == JobStatus::kCompleted);
    EXPECT_EQ(job.cancel_requested, terminal == JobStatus::kCancelled);
    EXPECT_EQ(job.error.has_value(), terminal == JobStatus::kFailed);
  }
  Job failed;
  FinishJob(failed, JobStatus::kFailed, 7, "disk full");
  EXPECT_EQ(failed.error, std::optional<std::string>("disk full"));
  EXPECT_EQ(failed.started_at_ms, std::optional<int64_t>(7));
}

}  // namespace
}  // namespace retrain
