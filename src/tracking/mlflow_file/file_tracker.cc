#include "tracking/mlflow_file/file_tracker.h"

#include <cctype>

#include "tracking/mlflow_file/file_format.h"
#include "tracking/mlflow_file/file_io.h"
#include "tracking/mlflow_file/meta_yaml.h"
#include "tracking/run_fields.h"

namespace retrain {

using mlflow_file::EnsureDir;
using mlflow_file::FileLock;
using mlflow_file::MetaDoc;
using mlflow_file::ReadFileIfExists;
using mlflow_file::WriteFileAtomic;
using mlflow_file::fs::path;

namespace {

constexpr const char* kMeta = "meta.yaml";
constexpr const char* kTrash = ".trash";
constexpr const char* kModels = "models";
constexpr const char* kJobTag = kRunJobTag;
constexpr const char* kNoteTag = "mlflow.note.content";
constexpr const char* kRunNameTag = "mlflow.runName";

bool IsReservedExperimentDir(const std::string& name) { return name == kTrash || name == kModels; }
bool IsReservedRunDir(const std::string& name) {
  return name == "tags" || name == "datasets" || name == "traces" || name == "models";
}

Result<MetaDoc> ReadMeta(const path& file) {
  auto text = ReadFileIfExists(file);
  if (!text) return std::unexpected(text.error());
  if (!*text) return Fail(ErrorCode::kNotFound, file.string() + " does not exist");
  auto doc = MetaDoc::Parse(**text);
  if (!doc) return Fail(ErrorCode::kInternal, file.string() + ": " + doc.error().message);
  return doc;
}

// Writes `dir/sub/key` with `value` unless it exists. Temp files go to `dir` itself, which
// MLflow never lists as resources.
Status WriteIfMissing(const path& dir, const char* sub, const std::string& key,
                      const std::string& value) {
  path file = dir / sub / key;
  std::error_code ec;
  if (mlflow_file::fs::exists(file, ec)) return {};
  return WriteFileAtomic(file, value, dir);
}

MetaDoc ExperimentMeta(const std::string& id, const std::string& name,
                       const std::string& artifact_location, int64_t now) {
  MetaDoc doc;
  doc.SetString("artifact_location", artifact_location);
  doc.SetInt("creation_time", now);
  doc.SetNull("effective_trace_archival_retention");
  doc.SetString("experiment_id", id);
  doc.SetInt("last_update_time", now);
  doc.SetString("lifecycle_stage", "active");
  doc.SetString("name", name);
  doc.SetNull("trace_location");
  doc.SetString("workspace", "default");
  return doc;
}

}  // namespace

Result<std::unique_ptr<FileTracker>> FileTracker::Create(FileTrackerOptions options,
                                                         const Clock* clock) {
  if (options.root.empty() || options.root.front() != '/') {
    return Fail(ErrorCode::kInvalidArgument,
                "the file store root '" + options.root + "' must be an absolute path");
  }
  if (options.experiment_name.empty() || options.experiment_name.size() > 500) {
    return Fail(ErrorCode::kInvalidArgument, "the experiment name must hold 1 to 500 characters");
  }
  for (const auto& [key, value] : options.experiment_tags) {
    if (auto s = mlflow_file::ValidateKey(key, "experiment tag"); !s)
      return std::unexpected(s.error());
  }
  if (!options.artifact_location.empty() &&
      options.artifact_location.find("://") == std::string::npos &&
      options.artifact_location.front() != '/') {
    return Fail(ErrorCode::kInvalidArgument, "the artifact location '" + options.artifact_location +
                                                 "' must be a URI or an absolute path");
  }
  path root = path(options.root).lexically_normal();
  if (root.has_filename() == false) root = root.parent_path();
  options.root = root.string();
  auto tracker = std::make_unique<FileTracker>(PrivateTag{}, std::move(options), clock);
  // A new store gets MLflow's Default experiment "0" and the .trash folder, as FileStore does.
  std::lock_guard lock(tracker->mu_);
  std::error_code ec;
  bool fresh = !mlflow_file::fs::exists(root, ec);
  if (auto s = EnsureDir(root); !s) return std::unexpected(s.error());
  auto file_lock = tracker->LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  if (fresh && !mlflow_file::fs::exists(root / "0" / kMeta, ec)) {
    MetaDoc doc =
        ExperimentMeta("0", "Default", mlflow_file::FileUriOfPath(root / "0"), tracker->NowMs());
    if (auto s = WriteFileAtomic(root / "0" / kMeta, doc.Emit(), root / "0"); !s)
      return std::unexpected(s.error());
  }
  if (auto s = EnsureDir(root / kTrash); !s) return std::unexpected(s.error());
  return tracker;
}

FileTracker::FileTracker(PrivateTag, FileTrackerOptions options, const Clock* clock)
    : options_(std::move(options)),
      owned_clock_(clock ? nullptr : std::make_unique<SystemClock>()),
      clock_(clock ? clock : owned_clock_.get()) {}

int64_t FileTracker::NowMs() const { return clock_->NowMs(); }

std::string FileTracker::Uri() const { return mlflow_file::FileUriOfPath(options_.root); }

Result<std::string> FileTracker::EnsureExperiment() {
  std::lock_guard lock(mu_);
  if (!experiment_id_.empty()) return experiment_id_;
  auto file_lock = LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  return EnsureExperimentLocked();
}

Result<std::string> FileTracker::EnsureExperimentLocked() {
  if (!experiment_id_.empty()) return experiment_id_;
  path root(options_.root);
  bool deleted = false;
  auto found = FindExperimentByName(&deleted);
  if (!found) return std::unexpected(found.error());
  std::string id;
  if (*found && deleted) {
    // Restore as MLflow does: move it back from .trash and mark it active.
    std::error_code ec;
    mlflow_file::fs::rename(root / kTrash / **found, root / **found, ec);
    if (ec) {
      return Fail(ErrorCode::kUnavailable, "could not restore deleted experiment " + **found +
                                               " from " + (root / kTrash).string() + ": " +
                                               ec.message());
    }
    auto doc = ReadMeta(root / **found / kMeta);
    if (!doc) return std::unexpected(doc.error());
    doc->SetString("lifecycle_stage", "active");
    doc->SetInt("last_update_time", NowMs());
    if (auto s = WriteFileAtomic(root / **found / kMeta, doc->Emit(), root / **found); !s)
      return std::unexpected(s.error());
    id = **found;
  } else if (*found) {
    id = **found;
  } else {
    auto created = CreateExperimentLocked();
    if (!created) return created;
    id = *created;
  }
  if (auto s = WriteExperimentTagsIfMissing((root / id).string()); !s)
    return std::unexpected(s.error());
  experiment_id_ = id;
  return id;
}

Result<std::optional<std::string>> FileTracker::FindExperimentByName(bool* deleted) {
  path root(options_.root);
  // Active experiments win over deleted ones with the same name, as in MLflow.
  for (bool in_trash : {false, true}) {
    path parent = in_trash ? root / kTrash : root;
    for (const auto& dir : mlflow_file::ListSubdirs(parent)) {
      if (!in_trash && IsReservedExperimentDir(dir)) continue;
      auto doc = ReadMeta(parent / dir / kMeta);
      if (!doc) {
        if (doc.error().code == ErrorCode::kNotFound) continue;  // not an experiment
        return std::unexpected(doc.error());
      }
      if (doc->Get("name") == options_.experiment_name) {
        *deleted = in_trash || doc->Get("lifecycle_stage") == "deleted";
        return std::optional<std::string>(dir);
      }
    }
  }
  return std::optional<std::string>{};
}

Result<std::string> FileTracker::CreateExperimentLocked() {
  path root(options_.root);
  std::string id;
  std::error_code ec;
  do {
    id = mlflow_file::NewExperimentId();
  } while (mlflow_file::fs::exists(root / id, ec) ||
           mlflow_file::fs::exists(root / kTrash / id, ec));
  std::string location = options_.artifact_location.empty() ? mlflow_file::FileUriOfPath(root / id)
                                                            : options_.artifact_location;
  MetaDoc doc = ExperimentMeta(id, options_.experiment_name, location, NowMs());
  if (auto s = WriteFileAtomic(root / id / kMeta, doc.Emit(), root / id); !s)
    return std::unexpected(s.error());
  return id;
}

Status FileTracker::WriteExperimentTagsIfMissing(const std::string& exp_dir) {
  std::map<std::string, std::string> tags = options_.experiment_tags;
  if (!options_.experiment_description.empty()) tags[kNoteTag] = options_.experiment_description;
  for (const auto& [key, value] : tags) {
    std::string v = mlflow_file::TruncateUtf8(value, mlflow_file::kMaxExperimentTagValueLength);
    if (auto s = WriteIfMissing(exp_dir, "tags", key, v); !s) return s;
  }
  return {};
}

Result<RunRef> FileTracker::EnsureRun(const Job& job) {
  if (job.id.empty() || job.model_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "a run needs a job id and a model id");
  }
  std::lock_guard lock(mu_);
  auto file_lock = LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  auto exp_id = EnsureExperimentLocked();
  if (!exp_id) return std::unexpected(exp_id.error());
  auto found = FindRunByJob(*exp_id, job.id);
  if (!found) return std::unexpected(found.error());
  std::string run_id = *found ? **found : mlflow_file::NewRunId();
  if (auto s = CompleteRun(*exp_id, run_id, job); !s) return std::unexpected(s.error());
  auto uri = RunArtifactUri(run_id);
  if (!uri) return std::unexpected(uri.error());
  return RunRef{*exp_id, run_id, *uri};
}

Result<std::optional<std::string>> FileTracker::FindRunByJob(const std::string& exp_id,
                                                             const std::string& job_id) {
  path exp_dir = path(options_.root) / exp_id;
  for (const auto& dir : mlflow_file::ListSubdirs(exp_dir)) {
    if (IsReservedRunDir(dir)) continue;
    auto tag = ReadFileIfExists(exp_dir / dir / "tags" / kJobTag);
    if (!tag) return std::unexpected(tag.error());
    if (!*tag || **tag != job_id) continue;
    // A deleted run is not the job's run any more.
    auto meta = ReadMeta(exp_dir / dir / kMeta);
    if (meta && meta->Get("lifecycle_stage") == "deleted") continue;
    return std::optional<std::string>(dir);
  }
  return std::optional<std::string>{};
}

Status FileTracker::CompleteRun(const std::string& exp_id, const std::string& run_id,
                                const Job& job) {
  path run_dir = path(options_.root) / exp_id / run_id;
  // The job tag first: once it exists a repeated EnsureRun finds this run and completes it.
  if (auto s = WriteIfMissing(run_dir, "tags", kJobTag, job.id); !s) return s;
  auto tags = RunTags(job);
  tags[kRunNameTag] = RunName(job);  // the file store keeps the run name as this tag
  for (const auto& [key, value] : tags) {
    std::string v = mlflow_file::TruncateUtf8(value, mlflow_file::kMaxRunTagValueLength);
    if (auto s = WriteIfMissing(run_dir, "tags", key, v); !s) return s;
  }
  for (const auto& [key, value] : RunParams(job)) {
    std::string v = mlflow_file::TruncateUtf8(value, mlflow_file::kMaxParamValueLength);
    if (auto s = WriteIfMissing(run_dir, "params", key, v); !s) return s;
  }
  for (const char* sub : {"metrics", "params", "artifacts"}) {
    if (auto s = EnsureDir(run_dir / sub); !s) return s;
  }
  std::error_code ec;
  if (!mlflow_file::fs::exists(run_dir / kMeta, ec)) {
    auto exp_meta = ReadMeta(path(options_.root) / exp_id / kMeta);
    if (!exp_meta) return std::unexpected(exp_meta.error());
    std::string location = exp_meta->Get("artifact_location").value_or("");
    while (!location.empty() && location.back() == '/') location.pop_back();
    MetaDoc doc;
    doc.SetString("artifact_uri", location + "/" + run_id + "/artifacts");
    doc.SetNull("deleted_time");
    doc.SetNull("end_time");
    doc.SetString("entry_point_name", "");
    doc.SetString("experiment_id", exp_id);
    doc.SetString("lifecycle_stage", "active");
    doc.SetString("run_id", run_id);
    doc.SetString("run_name", RunName(job));
    doc.SetString("source_name", "");
    doc.SetInt("source_type", 4);
    doc.SetString("source_version", "");
    doc.SetInt("start_time", NowMs());
    doc.SetInt("status", mlflow_file::kRunning);
    doc.SetRaw("tags", "[]");
    doc.SetString("user_id", options_.user_id);
    if (auto s = WriteFileAtomic(run_dir / kMeta, doc.Emit(), run_dir); !s) return s;
  }
  run_cache_[run_id] = RunLocation{exp_id, run_dir.string()};
  return {};
}

Result<FileLock> FileTracker::LockStoreFiles() const {
  return FileLock::Acquire(path(options_.root) / ".retrain.lock");
}

Result<FileTracker::RunLocation> FileTracker::LocateRun(const std::string& run_id) {
  if (auto it = run_cache_.find(run_id); it != run_cache_.end()) return it->second;
  bool valid = !run_id.empty() && run_id.size() <= 256;
  for (unsigned char c : run_id) valid = valid && (std::isalnum(c) || c == '_' || c == '-');
  if (!valid) return Fail(ErrorCode::kInvalidArgument, "'" + run_id + "' is not a run id");
  path root(options_.root);
  for (const auto& exp : mlflow_file::ListSubdirs(root)) {
    if (IsReservedExperimentDir(exp)) continue;
    std::error_code ec;
    if (mlflow_file::fs::exists(root / exp / run_id / kMeta, ec)) {
      RunLocation loc{exp, (root / exp / run_id).string()};
      run_cache_[run_id] = loc;
      return loc;
    }
  }
  return Fail(ErrorCode::kNotFound, "run " + run_id + " is not in the file store " + options_.root);
}

Result<std::string> FileTracker::RunArtifactUri(const std::string& run_id) {
  auto loc = LocateRun(run_id);
  if (!loc) return std::unexpected(loc.error());
  auto meta = ReadMeta(path(loc->dir) / kMeta);
  if (!meta) return std::unexpected(meta.error());
  auto uri = meta->Get("artifact_uri");
  if (!uri) return Fail(ErrorCode::kInternal, "run " + run_id + " has no artifact_uri");
  return *uri;
}

Status FileTracker::LogMetrics(const std::string& run_id,
                               const std::map<std::string, double>& metrics, int64_t timestamp_ms,
                               int64_t step) {
  for (const auto& [key, value] : metrics) {
    if (auto s = mlflow_file::ValidateKey(key, "metric"); !s) return s;
  }
  std::lock_guard lock(mu_);
  auto file_lock = LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  auto loc = LocateRun(run_id);
  if (!loc) return std::unexpected(loc.error());
  path run_dir(loc->dir);
  for (const auto& [key, value] : metrics) {
    path file = run_dir / "metrics" / key;
    auto existing = ReadFileIfExists(file);
    if (!existing) return std::unexpected(existing.error());
    std::string content = existing->value_or("");
    if (mlflow_file::MetricSteps(content).contains(step)) continue;  // already logged
    if (!content.empty() && content.back() != '\n') content.push_back('\n');
    content += std::to_string(timestamp_ms) + " " + mlflow_file::FormatMetricValue(value) + " " +
               std::to_string(step) + "\n";
    if (auto s = WriteFileAtomic(file, content, run_dir); !s) return s;
  }
  return {};
}

Status FileTracker::SetTag(const std::string& run_id, const std::string& key,
                           const std::string& value) {
  if (auto s = mlflow_file::ValidateKey(key, "tag"); !s) return s;
  std::lock_guard lock(mu_);
  auto file_lock = LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  auto loc = LocateRun(run_id);
  if (!loc) return std::unexpected(loc.error());
  path run_dir(loc->dir);
  std::string v = mlflow_file::TruncateUtf8(value, mlflow_file::kMaxRunTagValueLength);
  if (auto s = WriteFileAtomic(run_dir / "tags" / key, v, run_dir); !s) return s;
  if (key == kRunNameTag) {
    auto meta = ReadMeta(run_dir / kMeta);
    if (!meta) return std::unexpected(meta.error());
    meta->SetString("run_name", v);
    return WriteFileAtomic(run_dir / kMeta, meta->Emit(), run_dir);
  }
  return {};
}

Status FileTracker::LogParams(const std::string& run_id,
                              const std::map<std::string, std::string>& params) {
  for (const auto& [key, value] : params) {
    if (auto s = mlflow_file::ValidateKey(key, "param"); !s) return s;
  }
  std::lock_guard lock(mu_);
  auto file_lock = LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  auto loc = LocateRun(run_id);
  if (!loc) return std::unexpected(loc.error());
  path run_dir(loc->dir);
  for (const auto& [key, value] : params) {
    const std::string v = mlflow_file::TruncateUtf8(value, mlflow_file::kMaxParamValueLength);
    auto have = ReadFileIfExists(run_dir / "params" / key);
    if (!have) return std::unexpected(have.error());
    if (*have) {
      if (**have == v) continue;
      return std::unexpected(ParamConflict(run_id, key, **have, v));
    }
    if (auto s = WriteFileAtomic(run_dir / "params" / key, v, run_dir); !s) return s;
  }
  return {};
}

Status FileTracker::EndRun(const std::string& run_id, RunEndStatus status, int64_t end_time_ms) {
  std::lock_guard lock(mu_);
  auto file_lock = LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  auto loc = LocateRun(run_id);
  if (!loc) return std::unexpected(loc.error());
  path run_dir(loc->dir);
  auto meta = ReadMeta(run_dir / kMeta);
  if (!meta) return std::unexpected(meta.error());
  int code = mlflow_file::RunStatusCode(status);
  if (meta->GetInt("status") == code && meta->GetInt("end_time")) return {};  // already ended
  meta->SetInt("status", code);
  meta->SetInt("end_time", end_time_ms);
  meta->Erase("deleted_time");  // MLflow's update rewrites run info without it
  return WriteFileAtomic(run_dir / kMeta, meta->Emit(), run_dir);
}

Status FileTracker::LogArtifact(const RunRef& run, const std::string& relative_path,
                                const std::string& content) {
  if (auto s = mlflow_file::ValidateArtifactPath(relative_path); !s) return s;
  std::string uri = run.artifact_uri;
  if (uri.empty()) {
    std::lock_guard lock(mu_);
    auto found = RunArtifactUri(run.run_id);
    if (!found) return std::unexpected(found.error());
    uri = *found;
  }
  auto root = mlflow_file::LocalPathOfUri(uri);
  if (!root) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the file tracker can only write artifacts to local paths, not " + uri);
  }
  // Temporary files go beside the artifact root, never inside it.
  return WriteFileAtomic(*root / relative_path, content, root->parent_path());
}

Result<std::string> FileTracker::ReadArtifact(const std::string& run_id,
                                              const std::string& relative_path) {
  if (auto s = mlflow_file::ValidateArtifactPath(relative_path); !s)
    return std::unexpected(s.error());
  std::string uri;
  {
    std::lock_guard lock(mu_);
    auto found = RunArtifactUri(run_id);
    if (!found) return std::unexpected(found.error());
    uri = *found;
  }
  auto root = mlflow_file::LocalPathOfUri(uri);
  if (!root) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the file tracker can only read artifacts from local paths, not " + uri);
  }
  auto content = ReadFileIfExists(*root / relative_path);
  if (!content) return std::unexpected(content.error());
  if (!*content) {
    return Fail(ErrorCode::kNotFound, "run " + run_id + " has no artifact '" + relative_path + "'");
  }
  return std::move(**content);
}

}  // namespace retrain
