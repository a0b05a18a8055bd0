#pragma once
// The commands that change jobs: Trigger (create a job when the policy allows), ApplyEvent (a
// worker's or client's report) and Cancel. REST, GraphQL, the CLI and the automatic trigger all
// come through here, so each rule is written once.
//
// Trigger, in one store transaction (JobStore::CreateJob): check that the model has no active job
// and that its watermark is unchanged, and insert the job with the window (watermark, last unseen
// record]. Every command wakes the reconciler (Wakeup) when it changed something.
//
// Thread-safety: every method may be called from any thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/job.h"
#include "core/metrics.h"
#include "core/model.h"
#include "core/time.h"
#include "feed/feed_source.h"
#include "orchestrator/trigger_policy.h"
#include "orchestrator/wakeup.h"
#include "orchestrator/worker_env.h"
#include "store/job_store.h"

namespace retrain {

// Bounds on what workers may report, so that one job's record and its MLflow run stay small.
inline constexpr size_t kMaxMetricsPerEvent = 100;
inline constexpr size_t kMaxMetricsPerJob = 1000;  // distinct names over all of a job's events

struct TriggerRequest {
  std::string model_id;
  TriggerKind kind = TriggerKind::kManual;
  // Shown on the job. Default: the decision's explanation (automatic) or "manual request".
  std::optional<std::string> reason;
  bool force = false;  // a manual request with at least one unseen record fires
  // A key used before returns the job created then (TriggerResult::replayed).
  std::optional<std::string> idempotency_key;
};

struct TriggerResult {
  Job job;
  bool replayed = false;  // the idempotency key was used before; `job` is the one created then
};

// What the automatic trigger pass already counted for a model (for every model in one feed
// call): reused while the model's watermark is still `watermark`, else the model is counted again.
// `drift` is the drift monitor's reading after the same watermark, for models with trigger.drift.
struct CountedUnseen {
  std::string watermark;
  UnseenSummary unseen;
  std::optional<DriftSignal> drift;
};

// A status report from a worker or a client (POST /retraining/jobs/{id}/events).
struct EventInput {
  std::optional<JobStatus> status;
  std::optional<double> progress;
  std::optional<std::string> message;
  std::optional<std::string> error;
  std::map<std::string, double> metrics;
};

struct CommandOptions {
  bool callback_auth = true;  // events must carry the attempt's callback token
  int64_t started_ms = 0;     // when the orchestrator started: the schedule's first baseline
};

class JobCommands {
 public:
  // All references must outlive the commands. `models` is the configuration's list.
  JobCommands(CommandOptions options, const std::vector<ModelSettings>& models, JobStore& store,
              FeedSource& feed, std::string executor_name, const CallbackTokens& tokens,
              const Clock& clock, MetricsRegistry& metrics, Wakeup& wakeup);

  // Creates a job if the trigger policy allows it; with an idempotency key used before, returns
  // the job created then. A concurrent trigger that moves the watermark first makes the store
  // refuse the insert; the request is then decided again (up to three times).
  // Errors: kNotFound "unknown_model" (details modelId); kFailedPrecondition
  // "insufficient_data" or "cooldown" (details unseenRecords, minRecords) or "job_active"
  // (details jobId); kUnprocessable "idempotency_key_reused"; kUnavailable when the feed or the
  // store is down.
  [[nodiscard]] Result<TriggerResult> Trigger(const TriggerRequest& request);

  // The automatic trigger for `model`, with what the trigger pass counted. Errors as Trigger.
  [[nodiscard]] Result<Job> TriggerAutomatic(const ModelSettings& model,
                                             const CountedUnseen& counted);

  // Applies a worker/client report. `bearer_token` is the Authorization bearer token ("" if
  // none). Repeating the job's terminal status is a no-op.
  // Errors: kNotFound "job_not_found"; kUnauthenticated "invalid_token";
  // kFailedPrecondition "invalid_transition" (details from, to) or "job_finished";
  // kUnprocessable "too_many_metrics" (details field, limit) when the event carries more than
  // kMaxMetricsPerEvent metrics or would give the job more than kMaxMetricsPerJob names.
  [[nodiscard]] Result<Job> ApplyEvent(const std::string& job_id, const EventInput& input,
                                       const std::string& bearer_token);

  // Cancels an active job (idempotent for a cancelled one). The reconciler stops its worker.
  // Errors: kNotFound "job_not_found"; kFailedPrecondition "job_finished".
  [[nodiscard]] Result<Job> Cancel(const std::string& job_id, EventSource source);

 private:
  // One decision and, when it fires, one insert; kAborted when the feed or the watermark moved.
  Result<TriggerResult> Create(const ModelSettings& m, const TriggerRequest& request,
                               const CountedUnseen* counted);
  void CountStatus(const Job& before, const Job& after);

  const CommandOptions options_;
  const std::vector<ModelSettings>& models_;
  JobStore& store_;
  FeedSource& feed_;
  const std::string executor_name_;
  const CallbackTokens& tokens_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  Wakeup& wakeup_;
};

}  // namespace retrain
