#pragma once
// The reconciler drives each job toward its goal, one idempotent step at a time, each persisted
// before the next: ensure the MLflow run -> hand the attempt to the executor -> observe it
// (retrying failed attempts up to maxAttempts) -> once the job is terminal, stop its worker if
// it was cancelled or failed, record the champion move a completed job's worker made in the
// promotion history (Champions::RecordAutomatic), then finalize its tracking (metrics, status
// tag, end time). The
// step is level-based: it looks at the stored job and the world as they are now, never at what
// happened before, so a crash anywhere and a restart continue from the stored state.
//
// A step that fails (a dependency down, credentials rejected) is retried after a per-job backoff
// — capped, jittered, longer when a dependency refused our credentials — and said once in the
// log per distinct cause; a change to the job (a cancel, a worker report) ends its backoff.
//
// Thread-safety: every public method may be called from any thread; steps run one at a time.

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/job.h"
#include "core/metrics.h"
#include "core/model.h"
#include "core/time.h"
#include "exec/executor.h"
#include "orchestrator/champions.h"
#include "orchestrator/worker_env.h"
#include "store/job_store.h"
#include "tracking/tracker.h"

namespace retrain {

// When to look at a job again.
struct Requeue {
  bool done = false;     // nothing is left to do: the job is terminal and its tracking final
  int64_t after_ms = 0;  // otherwise, look again after this long

  static Requeue Done() { return {true, 0}; }
  static Requeue After(int64_t ms) { return {false, ms}; }
};

struct ReconcilerOptions {
  int64_t interval_ms = 1'000;  // how often an active job is looked at; the first retry's wait
  // A handed-over attempt with no report (event or status change) for this long is treated as
  // lost: stopped and retried. 0 = off.
  int64_t heartbeat_timeout_ms = 0;
  int64_t retry_cap_ms = 10'000;       // longest wait between retries of a failing step
  int64_t auth_retry_cap_ms = 30'000;  // the same when a dependency rejected the credentials
  WorkerEnvOptions worker_env;
};

class Reconciler {
 public:
  // All references must outlive the reconciler. `tracker` may be null (no tracking).
  Reconciler(ReconcilerOptions options, const std::vector<ModelSettings>& models, JobStore& store,
             Executor& executor, Tracker* tracker, Champions& champions,
             const CallbackTokens& tokens, const Clock& clock, MetricsRegistry& metrics);

  // Re-reads job `job_id` and takes its next step. Errors: kNotFound for an unknown job; a
  // failed step's error, its message prefixed with what the step was doing.
  [[nodiscard]] Result<Requeue> Reconcile(const std::string& job_id);

  // One pass over every active job and every finished job whose tracking is not final, except
  // those waiting out a backoff. Returns how long until the next pass is due (at most the
  // interval; sooner when a backoff ends first).
  int64_t ReconcileOnce();

 private:
  struct Backoff {
    int failures = 0;
    int64_t not_before_ms = 0;
    int64_t job_updated_ms = 0;  // the job's updatedAt when it failed; a change ends the wait
    std::string last_message;
  };

  Result<Requeue> Step(Job job);
  Status EnsureRun(Job& job);
  Status Submit(const Job& job);
  Status Observe(const Job& job);
  Status SyncTracker(const Job& job);
  Status FailOrRetry(const Job& job, const std::string& why);
  // Records a failed step of `job` and returns the wait before its next try.
  int64_t RecordFailure(const Job& job, const Error& error);

  const ReconcilerOptions options_;
  const std::vector<ModelSettings>& models_;
  JobStore& store_;
  Executor& executor_;
  Tracker* tracker_;
  Champions& champions_;
  const CallbackTokens& tokens_;
  const Clock& clock_;
  MetricsRegistry& metrics_;

  std::mutex mu_;  // one step at a time; guards the members below
  std::map<std::string, Backoff> backoff_;
  std::mt19937_64 jitter_{std::random_device{}()};
  std::string last_list_error_;
};

}  // namespace retrain
