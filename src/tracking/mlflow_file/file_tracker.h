#pragma once
// Tracking into MLflow's file store: the `mlruns/` directory layout that MLflow's FileStore
// writes and that `mlflow ui`, `MlflowClient` (MLFLOW_ALLOW_FILE_STORE=true on MLflow >= 3.13)
// and `mlflow migrate-filestore` read.
//
//   <root>/0/meta.yaml                       the "Default" experiment (made with a new root)
//   <root>/<exp_id>/meta.yaml, tags/<key>    experiment (description as tag mlflow.note.content)
//   <root>/<exp_id>/<run_id>/meta.yaml       run info (status as MLflow's integer code)
//   <root>/<exp_id>/<run_id>/{params,tags,metrics}/<key>   metrics: "<ts> <value> <step>" lines
//   <artifact_uri>/<relative_path>           artifacts (file:// or local path locations only)
//   <root>/models/<name>/meta.yaml, aliases/<alias>, version-<n>/meta.yaml   model registry
//   <root>/models/<name>/version-<n>/tags/<key>                                version tags
//
// Every write is crash-safe: whole files are written to a temporary file and renamed into
// place (a reader sees the old or the new content), a run's meta.yaml is written after its
// tags and params, and a model version's directory appears whole. An interrupted call is
// completed by repeating it: EnsureExperiment/EnsureRun fill in what a crash left missing.
//
// Thread safety: all methods may be called from several threads; writers are serialised by a
// mutex and, across processes sharing the store (the orchestrator and its workers), by an
// advisory lock on <root>/.retrain.lock.
//
// Errors: kInvalidArgument for keys/names MLflow would reject, kNotFound for unknown runs,
// models and versions, kFailedPrecondition for an artifact location this adapter cannot write
// (s3://, ...), kUnavailable for I/O failures (retry), kInternal for a corrupted meta.yaml.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/time.h"
#include "tracking/tracker.h"

namespace retrain {

namespace mlflow_file {
class FileLock;
}  // namespace mlflow_file

struct FileTrackerOptions {
  std::string root;               // absolute path of the mlruns directory
  std::string artifact_location;  // "" = file://<root>/<exp_id>; else a URI or absolute path
  std::string experiment_name = "intelgraph-retraining";
  std::string experiment_description;
  std::map<std::string, std::string> experiment_tags;
  std::string user_id = "retrain";  // run meta user_id
};

class FileTracker final : public Tracker, public ArtifactReader, public ModelRegistry {
 public:
  // Validates the options (absolute root, experiment name) and creates the root with MLflow's
  // Default experiment when it does not exist yet. `clock` must outlive the tracker; nullptr
  // uses the system clock. Errors: kInvalidArgument, kUnavailable.
  [[nodiscard]] static Result<std::unique_ptr<FileTracker>> Create(FileTrackerOptions options,
                                                                   const Clock* clock = nullptr);

  Result<std::string> EnsureExperiment() override;
  Result<RunRef> EnsureRun(const Job& job) override;
  Status LogMetrics(const std::string& run_id, const std::map<std::string, double>& metrics,
                    int64_t timestamp_ms, int64_t step) override;
  Status SetTag(const std::string& run_id, const std::string& key,
                const std::string& value) override;
  Status LogParams(const std::string& run_id,
                   const std::map<std::string, std::string>& params) override;
  Status EndRun(const std::string& run_id, RunEndStatus status, int64_t end_time_ms) override;
  Status LogArtifact(const RunRef& run, const std::string& relative_path,
                     const std::string& content) override;
  // file://<root>
  std::string Uri() const override;

  Result<std::string> ReadArtifact(const std::string& run_id,
                                   const std::string& relative_path) override;

  Status EnsureRegisteredModel(const std::string& name) override;
  // Returns the existing version when one of `name` already has this run_id and source.
  Result<ModelVersion> CreateVersion(const std::string& name, const std::string& source,
                                     const std::string& run_id) override;
  Result<std::optional<ModelVersion>> GetByAlias(const std::string& name,
                                                 const std::string& alias) override;
  Status SetAlias(const std::string& name, const std::string& alias,
                  const std::string& version) override;
  // Tags are read from version-<n>/tags/<key> (one file per tag, content = value).
  Result<std::optional<ModelVersion>> GetVersion(const std::string& name,
                                                 const std::string& version) override;
  // Writes version-<n>/tags/<key> and the model's last_updated_timestamp, as MLflow does.
  Status SetVersionTag(const std::string& name, const std::string& version, const std::string& key,
                       const std::string& value) override;

 private:
  struct PrivateTag {};

 public:
  FileTracker(PrivateTag, FileTrackerOptions options, const Clock* clock);

 private:
  struct RunLocation {
    std::string experiment_id;
    std::string dir;  // absolute run directory
  };

  // All below expect mu_ held (and the file lock for writers).
  Result<std::string> EnsureExperimentLocked();
  Result<std::optional<std::string>> FindExperimentByName(bool* deleted);
  Status WriteExperimentTagsIfMissing(const std::string& exp_dir);
  Result<std::string> CreateExperimentLocked();
  Result<std::optional<std::string>> FindRunByJob(const std::string& exp_id,
                                                  const std::string& job_id);
  Status CompleteRun(const std::string& exp_id, const std::string& run_id, const Job& job);
  Result<RunLocation> LocateRun(const std::string& run_id);
  // Takes the store's lock file, which serialises writers across processes (mu_ does within
  // this one; hold it first).
  Result<mlflow_file::FileLock> LockStoreFiles() const;
  Result<std::string> RunArtifactUri(const std::string& run_id);
  int64_t NowMs() const;

  const FileTrackerOptions options_;
  std::unique_ptr<Clock> owned_clock_;
  const Clock* clock_;
  std::mutex mu_;              // guards everything below and serialises writers in this process
  std::string experiment_id_;  // cached after EnsureExperiment
  std::map<std::string, RunLocation> run_cache_;  // run id -> where it lives
};

}  // namespace retrain
