#pragma once
// The reference training worker (`retrain worker`): trains one model on one job's feed window
// and reports through the job's events (CONTRACT sections 3, 7 and 8).
//
// RunWorker, step by step (each step's failure ends the run, see below):
//   1. reads WorkerSettings from ctx.env (worker_settings.h lists the variables);
//   2. posts {"status":"running","progress":0.0,"message":...};
//   3. scans exactly the window (RETRAINING_WINDOW_AFTER, RETRAINING_WINDOW_UPTO] with the
//      RETRAINING_ENTITY_TYPES filter into a Dataset; the number of records read must equal
//      RETRAINING_RECORD_COUNT when that is set; posts progress 0.3;
//   4. trains an XGBoost binary:logistic model (TRAINER_* parameters); posts progress 0.6;
//   5. evaluates on the holdout: auc, logloss, accuracy; an undefined AUC (the holdout lacks a
//      class) fails the run; posts progress 0.8;
//   6. with a tracker: logs model/model.json and model/MLmodel to run MLFLOW_RUN_ID and, with a
//      registry, registers a version of <MODEL_ID> and moves alias `champion` only when the new
//      model beats the champion on this holdout (champion_gate.h);
//   7. posts {"status":"completed","progress":1.0,"metrics":{...},"message":<gate decision>}.
// Metrics: auc, logloss, accuracy, records (rows used), train_records, holdout_records,
// skipped_records (no valid label or payload), features, champion_promoted (1/0) and, when the
// champion was evaluated, champion_auc.
//
// On failure the worker posts {"status":"failed","error":"<one sentence>"} and returns 1. When
// the orchestrator answers an event with 409 (the job already ended, e.g. cancelled), the
// worker stops at once without further events and returns 1. A running event that cannot be
// delivered is logged and the work goes on; the terminal event must be delivered, else 1.
// Returns 0 on success.

#include <cstdint>
#include <functional>
#include <iosfwd>

#include "feed/feed_source.h"
#include "tracking/tracker.h"
#include "trainer/event_sink.h"
#include "trainer/worker_settings.h"

namespace retrain {

// Everything the worker uses; the caller opens the feed, the tracker and the event sink from
// the environment (RETRAINING_FEED_URI, MLFLOW_TRACKING_URI, RETRAINING_CALLBACK_URL/TOKEN).
// All references and pointers must outlive the RunWorker call.
// How long a worker waits, in all, for the feed or MLflow to come back before it fails.
inline constexpr int64_t kWorkerOutageBudgetMs = 600'000;

struct WorkerContext {
  Environment env;
  FeedSource& feed;
  EventSink& events;
  Tracker* tracker = nullptr;           // null: the model is neither logged nor registered
  ArtifactReader* artifacts = nullptr;  // null: a current champion cannot be evaluated
  ModelRegistry* registry = nullptr;    // null: the model is logged but not registered
  std::ostream* log = nullptr;          // progress lines and the failure sentence; null = quiet
  // A run that fails because the feed or MLflow cannot be reached (kUnavailable,
  // kDeadlineExceeded) is run again from the start after a growing wait (1 s doubling up to
  // 10 s) until it has waited `outage_budget_ms` in all; every step is idempotent. Then, or on
  // any other error, it fails as below. `sleep` is for tests (null = really sleep).
  int64_t outage_budget_ms = kWorkerOutageBudgetMs;
  std::function<void(int64_t ms)> sleep;
};

// Runs one training job. Returns the process exit code: 0 completed, 1 failed.
int RunWorker(const WorkerContext& ctx);

}  // namespace retrain
