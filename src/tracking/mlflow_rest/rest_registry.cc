// The model registry part of RestTracker (/api/2.0/mlflow/registered-models/...,
// /model-versions/...).
#include "tracking/mlflow_rest/rest_client.h"

namespace retrain {

using nlohmann::json;
using Retry = RestTracker::Impl::Retry;

namespace {

ModelVersion VersionOf(const json& v) {
  return ModelVersion{JsonString(v, "name"), JsonString(v, "version"), JsonString(v, "run_id"),
                      JsonString(v, "source")};
}

bool IsVersionNumber(const std::string& v) {
  return !v.empty() && v.size() <= 18 && v[0] != '0' &&
         v.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

Status RestTracker::EnsureRegisteredModel(const std::string& name) {
  if (name.empty()) return Fail(ErrorCode::kInvalidArgument, "a registered model needs a name");
  auto got = impl_->Get("registered-models/get", {{"name", name}});
  if (got) return {};
  if (got.error().code != ErrorCode::kNotFound) return std::unexpected(got.error());
  auto created = impl_->Post("registered-models/create", {{"name", name}});
  if (!created && created.error().code != ErrorCode::kAlreadyExists)
    return std::unexpected(created.error());
  return {};
}

Result<ModelVersion> RestTracker::CreateVersion(const std::string& name, const std::string& source,
                                                const std::string& run_id) {
  if (name.empty() || source.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "a model version needs a model name and a source");
  }
  const int rounds = std::max(1, impl_->options().retry.max_attempts);
  for (int round = 1;; ++round) {
    // An earlier attempt whose answer was lost may have registered it already.
    std::string filter = "name = " + FilterLiteral(name);
    if (!run_id.empty()) filter += " AND run_id = " + FilterLiteral(run_id);
    auto found = impl_->Get("model-versions/search", {{"filter", filter}, {"max_results", "1000"}});
    if (!found) return std::unexpected(found.error());
    for (const auto& v : found->value("model_versions", json::array())) {
      if (JsonString(v, "source") == source && JsonString(v, "run_id") == run_id)
        return VersionOf(v);
    }
    json body = {{"name", name}, {"source", source}};
    if (!run_id.empty()) body["run_id"] = run_id;
    auto created = impl_->Post("model-versions/create", body, Retry::kNo);
    if (created) return VersionOf((*created)["model_version"]);
    if (!IsRetryable(created.error().code) || round >= rounds)
      return std::unexpected(created.error());
    impl_->Backoff(round);
  }
}

Result<std::optional<ModelVersion>> RestTracker::GetByAlias(const std::string& name,
                                                            const std::string& alias) {
  // The model's alias list tells "not set" apart from errors without parsing messages.
  auto model = impl_->Get("registered-models/get", {{"name", name}});
  if (!model) return std::unexpected(model.error());
  std::string version;
  for (const auto& a : (*model)["registered_model"].value("aliases", json::array())) {
    if (JsonString(a, "alias") == alias) version = JsonString(a, "version");
  }
  if (version.empty()) return std::optional<ModelVersion>{};
  auto got = impl_->Get("model-versions/get", {{"name", name}, {"version", version}});
  if (!got) return std::unexpected(got.error());
  return std::optional<ModelVersion>(VersionOf((*got)["model_version"]));
}

Status RestTracker::SetAlias(const std::string& name, const std::string& alias,
                             const std::string& version) {
  auto r = impl_->Post("registered-models/alias",
                       {{"name", name}, {"alias", alias}, {"version", version}});
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<std::optional<ModelVersion>> RestTracker::GetVersion(const std::string& name,
                                                            const std::string& version) {
  if (name.empty()) return Fail(ErrorCode::kInvalidArgument, "a registered model needs a name");
  if (IsVersionNumber(version)) {
    auto got = impl_->Get("model-versions/get", {{"name", name}, {"version", version}});
    if (got) {
      const json& v = (*got)["model_version"];
      ModelVersion out = VersionOf(v);
      out.tags = KeyValues(v.value("tags", json::array()));
      return std::optional<ModelVersion>(std::move(out));
    }
    if (got.error().code != ErrorCode::kNotFound) return std::unexpected(got.error());
  }
  // Missing version or missing model: only the model lookup tells them apart.
  auto model = impl_->Get("registered-models/get", {{"name", name}});
  if (!model) return std::unexpected(model.error());
  return std::optional<ModelVersion>{};
}

Status RestTracker::SetVersionTag(const std::string& name, const std::string& version,
                                  const std::string& key, const std::string& value) {
  if (!IsVersionNumber(version)) {
    return Fail(ErrorCode::kNotFound, "model '" + name + "' has no version '" + version + "'");
  }
  auto r = impl_->Post("model-versions/set-tag",
                       {{"name", name}, {"version", version}, {"key", key}, {"value", value}});
  if (!r) return std::unexpected(r.error());
  return {};
}

}  // namespace retrain
