#pragma once
// The orchestrator: the one place where business rules live. REST, GraphQL and the CLI call the
// same methods; the trigger and reconcile loops drive jobs toward their goal.
//
// Trigger: in one store transaction (JobStore::CreateJob), check that the model has no active
// job and that its watermark is unchanged, and insert the job with the window
// (watermark, last unseen record]. Reconcile, per non-terminal job, one idempotent step at a
// time, each persisted before the next: ensure the MLflow run -> hand the attempt to the
// executor -> observe it (retrying failed attempts up to maxAttempts) -> finalize (tracker run
// status and end time). A crash anywhere, then a restart, continues from the stored state.
//
// Thread-safety: every public method may be called from any thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/job.h"
#include "core/metrics.h"
#include "core/model.h"
#include "core/time.h"
#include "exec/executor.h"
#include "feed/feed_source.h"
#include "orchestrator/trigger_policy.h"
#include "store/job_store.h"
#include "tracking/tracker.h"

namespace retrain {

struct OrchestratorOptions {
  std::vector<ModelSettings> models;
  bool automatic = true;                 // run the automatic trigger
  int64_t reconcile_interval_ms = 1'000;
  int64_t feed_wait_ms = 100;            // how long the trigger loop waits for feed changes
  // A handed-over attempt with no report (event or status change) for this long is treated as
  // lost: stopped and retried. 0 = off.
  int64_t heartbeat_timeout_ms = 0;
  bool callback_auth = true;
  std::string callback_secret;           // signs per-attempt worker tokens; never logged
  std::string public_url;                // base URL workers use to reach the API
  std::string feed_uri;                  // RETRAINING_FEED_URI for workers
  std::map<std::string, std::string> worker_env;  // extra variables for every worker
};

// Bounds on what workers may report, so that one job's record and its MLflow run stay small.
inline constexpr size_t kMaxMetricsPerEvent = 100;
inline constexpr size_t kMaxMetricsPerJob = 1000;  // distinct names over all of a job's events

// A status report from a worker or a client (POST /retraining/jobs/{id}/events).
struct EventInput {
  std::optional<JobStatus> status;
  std::optional<double> progress;
  std::optional<std::string> message;
  std::optional<std::string> error;
  std::map<std::string, double> metrics;
};

struct ModelOverview {
  const ModelSettings* model = nullptr;
  int64_t unseen_records = 0;
  std::optional<Job> active_job;
  std::optional<Job> last_job;
};

struct TriggerPreview {
  const ModelSettings* model = nullptr;
  std::string watermark;
  UnseenSummary unseen;
  std::optional<std::string> active_job_id;
  TriggerDecision automatic;  // what the automatic trigger would do now
  TriggerDecision manual;     // what a manual request (without force) would do now
};

class Orchestrator {
 public:
  // All dependencies must outlive the orchestrator. `tracker` may be null (no tracking).
  Orchestrator(OrchestratorOptions options, JobStore& store, FeedSource& feed,
               Executor& executor, Tracker* tracker, const Clock& clock, MetricsRegistry& metrics);
  ~Orchestrator();  // stops the loops

  const std::vector<ModelSettings>& models() const { return options_.models; }
  const ModelSettings* FindModel(std::string_view id) const;

  // Creates a job for `model_id` if the trigger policy allows it. With an idempotency key that
  // was used before, returns the job created then (*replayed = true).
  // Errors: kNotFound "unknown_model"; kFailedPrecondition "insufficient_data" (details
  // unseenRecords, minRecords) or "job_active" (details jobId); kUnavailable when the feed or
  // store is down.
  [[nodiscard]] Result<Job> Trigger(const std::string& model_id, TriggerKind kind,
                                    std::optional<std::string> reason, bool force,
                                    std::optional<std::string> idempotency_key = std::nullopt,
                                    bool* replayed = nullptr);

  // Applies a worker/client report. `bearer_token` is the Authorization bearer token ("" if
  // none). Repeating the job's terminal status is a no-op.
  // Errors: kNotFound "job_not_found"; kUnauthenticated "invalid_token";
  // kFailedPrecondition "invalid_transition" (details from, to) or "job_finished";
  // kUnprocessable "too_many_metrics" (details field, limit) when the event carries more than
  // kMaxMetricsPerEvent metrics or would give the job more than kMaxMetricsPerJob names.
  [[nodiscard]] Result<Job> ApplyEvent(const std::string& job_id, const EventInput& input,
                                       const std::string& bearer_token);

  // Cancels an active job (idempotent for a cancelled one). The executor is told to stop it by
  // the reconciler. Errors: kNotFound "job_not_found"; kFailedPrecondition "job_finished".
  [[nodiscard]] Result<Job> Cancel(const std::string& job_id, EventSource source);

  [[nodiscard]] Result<TriggerPreview> Preview(const std::string& model_id);
  [[nodiscard]] Result<std::vector<ModelOverview>> Overview();

  // The bearer token a worker of `job_id`'s attempt `attempt` must present.
  std::string CallbackToken(const std::string& job_id, int attempt) const;

  // One pass of each loop (the loop threads call these; tests call them directly).
  void TriggerOnce();
  void ReconcileOnce();

  // Starts / stops the loop threads. Stop is idempotent.
  void Start();
  void Stop();

  // Wakes the reconcile loop now (a job was created or changed).
  void Kick();

 private:
  // A count already made for a model (by the trigger pass, for every model at once): used when
  // the model's watermark is still `watermark`, else the model is counted again.
  struct CountedUnseen {
    std::string watermark;
    UnseenSummary unseen;
  };
  // `unseen`, when given, receives what the feed held for the model (also when nothing fired).
  Result<Job> CreateFor(const ModelSettings& m, TriggerKind kind, std::optional<std::string> reason,
                        bool force, const std::optional<std::string>& idempotency_key,
                        bool* replayed, UnseenSummary* unseen = nullptr,
                        const CountedUnseen* counted = nullptr);
  // Every configured model's filter and watermark, in options_.models order.
  Result<std::vector<UnseenQuery>> UnseenQueries();
  void ReconcileJob(const Job& job);
  Status EnsureRun(Job& job);
  Status Submit(const Job& job);
  Status Observe(const Job& job);
  void SyncTracker(const Job& job);
  void FailOrRetry(const Job& job, const std::string& why);
  std::map<std::string, std::string> WorkerEnv(const Job& job, const ModelSettings& m) const;
  void CountStatus(const Job& before, const Job& after);
  void TriggerLoop();
  void ReconcileLoop();

  OrchestratorOptions options_;
  JobStore& store_;
  FeedSource& feed_;
  Executor& executor_;
  Tracker* tracker_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  int64_t started_ms_;

  std::mutex loop_mu_;  // guards kicked_ and stopping_ (with loop_cv_)
  std::condition_variable loop_cv_;
  bool kicked_ = false;
  bool stopping_ = false;
  std::thread trigger_thread_;
  std::thread reconcile_thread_;
  std::mutex reconcile_mu_;  // one reconcile pass at a time
  std::string last_feed_error_;  // trigger thread only: the feed failure last logged
};

}  // namespace retrain
