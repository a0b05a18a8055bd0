#pragma once
// Experiment tracking: one MLflow run per retraining job (CONTRACT section 8).
//
// Every call is idempotent so that the reconciler can repeat it after a crash: EnsureRun finds
// the run tagged with the job id before creating one; LogMetrics with the same (key, step) does
// not add a second point; EndRun on an ended run with the same status is a no-op.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/job.h"

namespace retrain {

struct RunRef {
  std::string experiment_id;
  std::string run_id;
  std::string artifact_uri;
};

enum class RunEndStatus { kFinished, kFailed, kKilled };

class Tracker {
 public:
  virtual ~Tracker() = default;

  // The experiment id, creating the experiment (with the configured artifact location,
  // description and tags) when missing. Errors: kUnavailable (retry), kInvalidArgument.
  [[nodiscard]] virtual Result<std::string> EnsureExperiment() = 0;

  // The job's run: found by tag `retraining_job_id`, else created with run name
  // `retrain-<modelId>-<UTC yyyymmddHHMMSS of scheduledAt>`, tags model_id,
  // retraining_job_id, retraining_trigger, retraining_status and params record_count,
  // data_window_start, data_window_end.
  [[nodiscard]] virtual Result<RunRef> EnsureRun(const Job& job) = 0;

  // Logs metrics at `step` (the job event's seq) and `timestamp_ms`.
  [[nodiscard]] virtual Status LogMetrics(const std::string& run_id,
                                          const std::map<std::string, double>& metrics,
                                          int64_t timestamp_ms, int64_t step) = 0;

  [[nodiscard]] virtual Status SetTag(const std::string& run_id, const std::string& key,
                                      const std::string& value) = 0;

  // Logs run params. MLflow params never change once logged: a param already logged with the
  // same value is left as it is (so a retried attempt may log again); a different value is
  // kFailedPrecondition "param_conflict" naming the param.
  [[nodiscard]] virtual Status LogParams(const std::string& run_id,
                                         const std::map<std::string, std::string>& params) = 0;

  // Marks the run FINISHED / FAILED / KILLED with its end time.
  [[nodiscard]] virtual Status EndRun(const std::string& run_id, RunEndStatus status,
                                      int64_t end_time_ms) = 0;

  // Stores `content` as the artifact `relative_path` of the run.
  [[nodiscard]] virtual Status LogArtifact(const RunRef& run, const std::string& relative_path,
                                           const std::string& content) = 0;

  // The tracking URI workers should use (MLFLOW_TRACKING_URI in their environment).
  virtual std::string Uri() const = 0;

  // One cheap call that reaches the tracking server, without retries (for /readyz). Errors:
  // kUnavailable and kDeadlineExceeded when it cannot be reached. Default: nothing to reach.
  [[nodiscard]] virtual Status Ping() { return {}; }
};

}  // namespace retrain

namespace retrain {

// Reads back what a run holds (the reference trainer compares against the champion).
// Implemented by the same adapters as Tracker.
class ArtifactReader {
 public:
  virtual ~ArtifactReader() = default;
  [[nodiscard]] virtual Result<std::string> ReadArtifact(const std::string& run_id,
                                                         const std::string& relative_path) = 0;
};

struct ModelVersion {
  std::string name;
  std::string version;  // "1", "2", ...
  std::string run_id;
  std::string source;                       // artifact URI of the model
  std::map<std::string, std::string> tags;  // filled by GetVersion; other calls may leave it empty
};

// The MLflow model registry: registered model `<modelId>`, versions, alias `champion`.
class ModelRegistry {
 public:
  virtual ~ModelRegistry() = default;
  // Creates the registered model when missing.
  [[nodiscard]] virtual Status EnsureRegisteredModel(const std::string& name) = 0;
  // Registers a new version from a run's artifact; returns it.
  [[nodiscard]] virtual Result<ModelVersion> CreateVersion(const std::string& name,
                                                           const std::string& source,
                                                           const std::string& run_id) = 0;
  // The version an alias points to, or nullopt when the alias is not set.
  [[nodiscard]] virtual Result<std::optional<ModelVersion>> GetByAlias(
      const std::string& name, const std::string& alias) = 0;
  // Points `alias` at `version` (moving it if set). Errors: kNotFound when the model or the
  // version does not exist.
  [[nodiscard]] virtual Status SetAlias(const std::string& name, const std::string& alias,
                                        const std::string& version) = 0;
  // One version with its tags, or nullopt when the model has no such version (a version that
  // is not a positive whole number is treated as missing). Errors: kNotFound when the
  // registered model does not exist.
  [[nodiscard]] virtual Result<std::optional<ModelVersion>> GetVersion(
      const std::string& name, const std::string& version) = 0;
  // Sets (overwriting) a tag of a model version, as MlflowClient.set_model_version_tag.
  // Errors: kNotFound when the model or the version does not exist; kInvalidArgument for a key
  // MLflow would reject.
  [[nodiscard]] virtual Status SetVersionTag(const std::string& name, const std::string& version,
                                             const std::string& key, const std::string& value) = 0;
};

}  // namespace retrain
