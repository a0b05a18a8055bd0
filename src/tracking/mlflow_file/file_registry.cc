// The model registry part of FileTracker: <root>/models/<name>/... as MLflow's registry
// FileStore writes it.
#include "tracking/mlflow_file/file_format.h"
#include "tracking/mlflow_file/file_io.h"
#include "tracking/mlflow_file/file_tracker.h"
#include "tracking/mlflow_file/meta_yaml.h"

namespace retrain {

using mlflow_file::FileLock;
using mlflow_file::MetaDoc;
using mlflow_file::ReadFileIfExists;
using mlflow_file::WriteFileAtomic;
using mlflow_file::fs::path;

namespace {

constexpr const char* kMeta = "meta.yaml";

Result<std::optional<MetaDoc>> ReadMetaIfExists(const path& file) {
  auto text = ReadFileIfExists(file);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<MetaDoc>{};
  auto doc = MetaDoc::Parse(**text);
  if (!doc) return Fail(ErrorCode::kInternal, file.string() + ": " + doc.error().message);
  return std::optional<MetaDoc>(std::move(*doc));
}

ModelVersion VersionOf(const MetaDoc& doc, const std::string& name) {
  return ModelVersion{name, doc.Get("version").value_or(""), doc.Get("run_id").value_or(""),
                      doc.Get("source").value_or("")};
}

// A version number as MLflow writes it: a positive whole number without leading zeros.
bool IsVersionNumber(const std::string& v) {
  return !v.empty() && v.size() <= 18 && v[0] != '0' &&
         v.find_first_not_of("0123456789") == std::string::npos;
}

// Registry tag values may be up to 100,000 characters (MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH).
constexpr size_t kMaxRegistryTagValueLength = 100'000;

std::map<std::string, std::string> ReadTags(const path& dir) {
  std::map<std::string, std::string> tags;
  std::error_code ec;
  for (mlflow_file::fs::directory_iterator it(dir / "tags", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto content = ReadFileIfExists(it->path());
    if (content && *content) tags[it->path().filename().string()] = **content;
  }
  return tags;
}

std::map<std::string, std::string> ReadAliases(const path& model_dir) {
  std::map<std::string, std::string> aliases;
  std::error_code ec;
  for (mlflow_file::fs::directory_iterator it(model_dir / "aliases", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto content = ReadFileIfExists(it->path());
    if (content && *content) aliases[it->path().filename().string()] = **content;
  }
  return aliases;
}

}  // namespace

Status FileTracker::EnsureRegisteredModel(const std::string& name) {
  if (auto s = mlflow_file::ValidateModelName(name); !s) return s;
  std::lock_guard lock(mu_);
  auto file_lock = LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  path dir = path(options_.root) / "models" / name;
  auto existing = ReadMetaIfExists(dir / kMeta);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) return {};
  int64_t now = NowMs();
  MetaDoc doc;
  doc.SetStringMap("aliases", {});
  doc.SetInt("creation_timestamp", now);
  doc.SetNull("deployment_job_id");
  doc.SetNull("deployment_job_state");
  doc.SetNull("description");
  doc.SetInt("last_updated_timestamp", now);
  doc.SetString("name", name);
  doc.SetString("workspace", "default");
  return WriteFileAtomic(dir / kMeta, doc.Emit(), dir);
}

Result<ModelVersion> FileTracker::CreateVersion(const std::string& name, const std::string& source,
                                                const std::string& run_id) {
  if (auto s = mlflow_file::ValidateModelName(name); !s) return std::unexpected(s.error());
  if (source.empty()) return Fail(ErrorCode::kInvalidArgument, "a model version needs a source");
  std::lock_guard lock(mu_);
  auto file_lock = LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  path dir = path(options_.root) / "models" / name;
  auto model = ReadMetaIfExists(dir / kMeta);
  if (!model) return std::unexpected(model.error());
  if (!*model) return Fail(ErrorCode::kNotFound, "registered model '" + name + "' does not exist");

  int64_t highest = 0;
  for (const auto& sub : mlflow_file::ListSubdirs(dir)) {
    if (!sub.starts_with("version-")) continue;
    auto meta = ReadMetaIfExists(dir / sub / kMeta);
    if (!meta) return std::unexpected(meta.error());
    if (!*meta) continue;
    highest = std::max(highest, (*meta)->GetInt("version").value_or(0));
    // The same run registering the same source again is a repeat, not a new version.
    if ((*meta)->Get("source") == source && (*meta)->Get("run_id").value_or("") == run_id)
      return VersionOf(**meta, name);
  }
  int64_t version = highest + 1;
  int64_t now = NowMs();
  MetaDoc doc;
  doc.SetInt("creation_timestamp", now);
  doc.SetString("current_stage", "None");
  doc.SetNull("deployment_job_state");
  doc.SetNull("description");
  doc.SetInt("last_updated_timestamp", now);
  doc.SetNull("model_id");
  doc.SetString("name", name);
  if (run_id.empty())
    doc.SetNull("run_id");
  else
    doc.SetString("run_id", run_id);
  doc.SetNull("run_link");
  doc.SetString("source", source);
  doc.SetString("status", "READY");
  doc.SetNull("status_message");
  doc.SetString("storage_location", source);
  doc.SetNull("user_id");
  doc.SetInt("version", version);
  doc.SetString("workspace", "default");
  // Build the version in a hidden directory and rename it into place: it appears whole.
  std::string final_name = "version-" + std::to_string(version);
  path staging = dir / ("." + final_name + "-" + mlflow_file::NewRunId());
  if (auto s = WriteFileAtomic(staging / kMeta, doc.Emit(), staging); !s)
    return std::unexpected(s.error());
  std::error_code ec;
  mlflow_file::fs::rename(staging, dir / final_name, ec);
  if (ec) {
    mlflow_file::fs::remove_all(staging, ec);
    return Fail(ErrorCode::kUnavailable, "could not create " + (dir / final_name).string());
  }
  (*model)->SetInt("last_updated_timestamp", now);
  (*model)->SetStringMap("aliases", ReadAliases(dir));
  if (auto s = WriteFileAtomic(dir / kMeta, (*model)->Emit(), dir); !s)
    return std::unexpected(s.error());
  return ModelVersion{name, std::to_string(version), run_id, source};
}

Result<std::optional<ModelVersion>> FileTracker::GetByAlias(const std::string& name,
                                                            const std::string& alias) {
  if (auto s = mlflow_file::ValidateModelName(name); !s) return std::unexpected(s.error());
  if (auto s = mlflow_file::ValidateAlias(alias); !s) return std::unexpected(s.error());
  std::lock_guard lock(mu_);
  path dir = path(options_.root) / "models" / name;
  std::error_code ec;
  if (!mlflow_file::fs::exists(dir / kMeta, ec))
    return Fail(ErrorCode::kNotFound, "registered model '" + name + "' does not exist");
  auto version = ReadFileIfExists(dir / "aliases" / alias);
  if (!version) return std::unexpected(version.error());
  if (!*version) return std::optional<ModelVersion>{};
  auto meta = ReadMetaIfExists(dir / ("version-" + **version) / kMeta);
  if (!meta) return std::unexpected(meta.error());
  if (!*meta) {
    return Fail(ErrorCode::kNotFound, "alias '" + alias + "' of model '" + name +
                                          "' points to missing version " + **version);
  }
  return std::optional<ModelVersion>(VersionOf(**meta, name));
}

Status FileTracker::SetAlias(const std::string& name, const std::string& alias,
                             const std::string& version) {
  if (auto s = mlflow_file::ValidateModelName(name); !s) return s;
  if (auto s = mlflow_file::ValidateAlias(alias); !s) return s;
  std::lock_guard lock(mu_);
  auto file_lock = LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  path dir = path(options_.root) / "models" / name;
  auto model = ReadMetaIfExists(dir / kMeta);
  if (!model) return std::unexpected(model.error());
  if (!*model) return Fail(ErrorCode::kNotFound, "registered model '" + name + "' does not exist");
  std::error_code ec;
  if (version.empty() || version.find_first_not_of("0123456789") != std::string::npos ||
      !mlflow_file::fs::exists(dir / ("version-" + version) / kMeta, ec)) {
    return Fail(ErrorCode::kNotFound, "model '" + name + "' has no version '" + version + "'");
  }
  auto current = ReadFileIfExists(dir / "aliases" / alias);
  if (!current) return std::unexpected(current.error());
  if (*current && **current == version) return {};
  if (auto s = WriteFileAtomic(dir / "aliases" / alias, version, dir); !s) return s;
  (*model)->SetInt("last_updated_timestamp", NowMs());
  (*model)->SetStringMap("aliases", ReadAliases(dir));
  return WriteFileAtomic(dir / kMeta, (*model)->Emit(), dir);
}

Result<std::optional<ModelVersion>> FileTracker::GetVersion(const std::string& name,
                                                            const std::string& version) {
  if (auto s = mlflow_file::ValidateModelName(name); !s) return std::unexpected(s.error());
  std::lock_guard lock(mu_);
  path dir = path(options_.root) / "models" / name;
  std::error_code ec;
  if (!mlflow_file::fs::exists(dir / kMeta, ec))
    return Fail(ErrorCode::kNotFound, "registered model '" + name + "' does not exist");
  if (!IsVersionNumber(version)) return std::optional<ModelVersion>{};
  path version_dir = dir / ("version-" + version);
  auto meta = ReadMetaIfExists(version_dir / kMeta);
  if (!meta) return std::unexpected(meta.error());
  if (!*meta) return std::optional<ModelVersion>{};
  ModelVersion v = VersionOf(**meta, name);
  v.tags = ReadTags(version_dir);
  return std::optional<ModelVersion>(std::move(v));
}

Status FileTracker::SetVersionTag(const std::string& name, const std::string& version,
                                  const std::string& key, const std::string& value) {
  if (auto s = mlflow_file::ValidateModelName(name); !s) return s;
  if (auto s = mlflow_file::ValidateKey(key, "model version tag"); !s) return s;
  if (value.size() > kMaxRegistryTagValueLength) {
    return Fail(ErrorCode::kInvalidArgument, "model version tag '" + key + "' is longer than " +
                                                 std::to_string(kMaxRegistryTagValueLength) +
                                                 " characters");
  }
  std::lock_guard lock(mu_);
  auto file_lock = LockStoreFiles();
  if (!file_lock) return std::unexpected(file_lock.error());
  path dir = path(options_.root) / "models" / name;
  auto model = ReadMetaIfExists(dir / kMeta);
  if (!model) return std::unexpected(model.error());
  if (!*model) return Fail(ErrorCode::kNotFound, "registered model '" + name + "' does not exist");
  std::error_code ec;
  path version_dir = dir / ("version-" + version);
  if (!IsVersionNumber(version) || !mlflow_file::fs::exists(version_dir / kMeta, ec)) {
    return Fail(ErrorCode::kNotFound, "model '" + name + "' has no version '" + version + "'");
  }
  auto current = ReadFileIfExists(version_dir / "tags" / key);
  if (!current) return std::unexpected(current.error());
  if (*current && **current == value) return {};
  // The temporary file lives in the model directory, which MLflow never lists as tags.
  if (auto s = WriteFileAtomic(version_dir / "tags" / key, value, dir); !s) return s;
  (*model)->SetInt("last_updated_timestamp", NowMs());
  return WriteFileAtomic(dir / kMeta, (*model)->Emit(), dir);
}

}  // namespace retrain
