#pragma once
// A retraining job and its events, as stored and as shown over the API.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace retrain {

// A contiguous range of one model's feed: the records after `after` up to and including
// `upto`, in the feed's order. Cursors are opaque strings that only the feed compares;
// "" as `after` means "from the beginning of the feed".
struct Window {
  std::string after;
  std::string upto;
  int64_t records = 0;
  std::optional<int64_t> start_ms;  // landing time of the first record in the window
  std::optional<int64_t> end_ms;    // landing time of the last record in the window
  // The ingestion jobs (feed-processor `ingestion_job` markers) the window covers, with the
  // number of records each contributed, in feed order of first appearance.
  std::vector<std::pair<std::string, int64_t>> ingestion_jobs;
};

// How a job came to be: the automatic trigger's count, time or schedule rules (automatic), its
// drift rule (drift), or a request over REST/CLI (manual) or GraphQL (graphql).
enum class TriggerKind { kAutomatic, kManual, kGraphql, kDrift };
std::string_view ToString(TriggerKind t);

struct Job {
  std::string id;
  std::string model_id;
  JobStatus status = JobStatus::kPending;
  std::optional<std::string> reason;
  TriggerKind trigger = TriggerKind::kAutomatic;
  Window window;
  int64_t scheduled_at_ms = 0;  // when the job was created by a trigger
  std::optional<int64_t> started_at_ms;
  std::optional<int64_t> completed_at_ms;
  int64_t updated_at_ms = 0;
  std::string executor;  // "local" | "kubernetes"
  std::optional<std::string> kubernetes_job_name;
  std::optional<std::string> kubernetes_namespace;
  std::optional<std::string> mlflow_run_id;
  std::optional<std::string> mlflow_experiment_id;
  std::map<std::string, double> metrics;  // latest value of each metric
  std::optional<double> progress;
  int attempt = 1;
  std::optional<std::string> error;

  // Orchestrator bookkeeping, not part of the API shape.
  int64_t seq = 0;                  // store order (creation order), for pagination
  bool submitted = false;           // the executor accepted the current attempt
  int64_t attempt_started_ms = 0;   // when the current attempt was handed to the executor
  int64_t tracked_event_seq = 0;    // events up to this seq are reflected in the tracker
  bool tracking_finalized = false;  // the tracker run carries the terminal status
  bool cancel_requested = false;    // cancel accepted; the executor must still stop it
};

enum class EventSource { kWorker, kExecutor, kApi, kSystem };
std::string_view ToString(EventSource s);

struct JobEvent {
  int64_t seq = 0;  // 1, 2, 3 ... per job
  int64_t at_ms = 0;
  std::optional<JobStatus> status;
  std::optional<double> progress;
  std::optional<std::string> message;
  std::map<std::string, double> metrics;
  EventSource source = EventSource::kSystem;
};

// What a job's worker reported it trained on, from its metrics `training_records` and
// `training_window_start` / `training_window_end` (Unix seconds of the oldest and newest record
// used); unset until the worker reports them. The trigger window is job.window.
struct TrainingRange {
  std::optional<int64_t> records;
  std::optional<int64_t> start_ms;
  std::optional<int64_t> end_ms;
};
TrainingRange TrainingRangeOf(const Job& job);

}  // namespace retrain
