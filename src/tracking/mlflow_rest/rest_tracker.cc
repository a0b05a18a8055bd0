#include "tracking/mlflow_rest/rest_tracker.h"

#include <cstdlib>

#include "core/strings.h"
#include "tracking/mlflow_rest/rest_artifacts.h"
#include "tracking/mlflow_rest/rest_client.h"
#include "tracking/run_fields.h"

namespace retrain {

using nlohmann::json;
using Retry = RestTracker::Impl::Retry;

namespace {

constexpr const char* kJobTag = kRunJobTag;
constexpr size_t kMaxMetricsPerBatch = 1000;
constexpr size_t kMaxParamsPerBatch = 100;
constexpr size_t kMaxParamValue = 6000;
constexpr size_t kMaxTagValue = 8000;
constexpr size_t kMaxExperimentTagValue = 5000;

std::string Truncate(std::string_view value, size_t max) {
  if (value.size() <= max) return std::string(value);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return std::string(value.substr(0, end));
}

json KeyValueList(const std::map<std::string, std::string>& m, size_t max_value) {
  json list = json::array();
  for (const auto& [k, v] : m) list.push_back({{"key", k}, {"value", Truncate(v, max_value)}});
  return list;
}

const char* StatusName(RunEndStatus status) {
  switch (status) {
    case RunEndStatus::kFinished:
      return "FINISHED";
    case RunEndStatus::kFailed:
      return "FAILED";
    case RunEndStatus::kKilled:
      return "KILLED";
  }
  return "FINISHED";
}

RunRef RefOf(const json& run) {
  const json& info = run.contains("info") ? run["info"] : run;
  std::string id = JsonString(info, "run_id");
  if (id.empty()) id = JsonString(info, "run_uuid");
  return RunRef{JsonString(info, "experiment_id"), id, JsonString(info, "artifact_uri")};
}

std::optional<std::string> Env(const EnvLookup& env, const char* name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

}  // namespace

Result<std::unique_ptr<RestTracker>> RestTracker::Create(RestTrackerOptions options,
                                                         RestDependencies deps) {
  const std::string& uri = options.tracking_uri;
  if (!(uri.starts_with("http://") || uri.starts_with("https://")) ||
      uri.find("://") + 3 >= uri.size()) {
    return Fail(ErrorCode::kInvalidArgument,
                "the MLflow tracking URI '" + uri + "' must start with http:// or https://");
  }
  if (options.experiment_name.empty() || options.experiment_name.size() > 500) {
    return Fail(ErrorCode::kInvalidArgument, "the experiment name must hold 1 to 500 characters");
  }
  if (options.retry.max_attempts < 1 || options.timeout_ms <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "retry attempts and timeouts must be positive");
  }
  if (!deps.env) {
    deps.env = [](const std::string& name) -> std::optional<std::string> {
      const char* v = std::getenv(name.c_str());
      return v ? std::optional<std::string>(v) : std::nullopt;
    };
  }
  if (options.username.empty() && options.password.empty() && options.token.empty()) {
    options.username = Env(deps.env, "MLFLOW_TRACKING_USERNAME").value_or("");
    options.password = Env(deps.env, "MLFLOW_TRACKING_PASSWORD").value_or("");
    options.token = Env(deps.env, "MLFLOW_TRACKING_TOKEN").value_or("");
  }
  if (auto insecure = Env(deps.env, "MLFLOW_TRACKING_INSECURE_TLS")) {
    const std::string v = AsciiLower(*insecure);
    if (v == "true" || v == "1") options.tls.verify = false;
  }
  if (options.tls.ca_file.empty()) {
    options.tls.ca_file = Env(deps.env, "MLFLOW_TRACKING_SERVER_CERT_PATH").value_or("");
  }
  if (options.tls.client_cert_file.empty()) {
    options.tls.client_cert_file = Env(deps.env, "MLFLOW_TRACKING_CLIENT_CERT_PATH").value_or("");
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(deps));
  return std::make_unique<RestTracker>(PrivateTag{}, std::move(impl));
}

RestTracker::RestTracker(PrivateTag, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RestTracker::~RestTracker() = default;

std::string RestTracker::Uri() const { return impl_->options().tracking_uri; }

Status RestTracker::Ping() {
  auto got =
      impl_->Get("experiments/get-by-name", {{"experiment_name", impl_->options().experiment_name}},
                 RestTracker::Impl::Retry::kNo);
  if (!got && (got.error().code == ErrorCode::kUnavailable ||
               got.error().code == ErrorCode::kDeadlineExceeded)) {
    return std::unexpected(got.error());
  }
  return {};  // an answer, even an error one, says the server is there
}

Result<std::string> RestTracker::EnsureExperiment() {
  {
    std::lock_guard lock(mu_);
    if (!experiment_id_.empty()) return experiment_id_;
  }
  const auto& o = impl_->options();
  // Two rounds: a concurrent creator may win between our lookup and our create.
  for (int round = 0; round < 2; ++round) {
    auto found = impl_->Get("experiments/get-by-name", {{"experiment_name", o.experiment_name}});
    if (found) {
      const json& exp = (*found)["experiment"];
      std::string id = JsonString(exp, "experiment_id");
      if (id.empty())
        return Fail(ErrorCode::kInternal, "MLflow returned an experiment without an id");
      if (JsonString(exp, "lifecycle_stage") == "deleted") {
        auto restored = impl_->Post("experiments/restore", {{"experiment_id", id}});
        if (!restored) return std::unexpected(restored.error());
      }
      std::lock_guard lock(mu_);
      experiment_id_ = id;
      return id;
    }
    if (found.error().code != ErrorCode::kNotFound) return std::unexpected(found.error());
    std::map<std::string, std::string> tags = o.experiment_tags;
    if (!o.experiment_description.empty()) tags["mlflow.note.content"] = o.experiment_description;
    json body = {{"name", o.experiment_name}, {"tags", KeyValueList(tags, kMaxExperimentTagValue)}};
    if (!o.artifact_location.empty()) body["artifact_location"] = o.artifact_location;
    auto created = impl_->Post("experiments/create", body);
    if (created) {
      std::string id = JsonString(*created, "experiment_id");
      std::lock_guard lock(mu_);
      experiment_id_ = id;
      return id;
    }
    if (created.error().code != ErrorCode::kAlreadyExists) return std::unexpected(created.error());
  }
  return Fail(ErrorCode::kAborted,
              "experiment '" + o.experiment_name + "' could neither be found nor created");
}

Result<RunRef> RestTracker::EnsureRun(const Job& job) {
  if (job.id.empty() || job.model_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "a run needs a job id and a model id");
  }
  auto exp_id = EnsureExperiment();
  if (!exp_id) return std::unexpected(exp_id.error());
  const int rounds = std::max(1, impl_->options().retry.max_attempts);
  std::optional<json> run;
  for (int round = 1; !run; ++round) {
    // Search first: a run created by an earlier attempt (or an earlier process) is reused.
    json search = {{"experiment_ids", json::array({*exp_id})},
                   {"filter", std::string("tags.") + kJobTag + " = " + FilterLiteral(job.id)},
                   {"run_view_type", "ACTIVE_ONLY"},
                   {"max_results", 10},
                   {"order_by", json::array({"attributes.start_time ASC"})}};
    auto found = impl_->Post("runs/search", search);
    if (!found) return std::unexpected(found.error());
    if (found->contains("runs") && !(*found)["runs"].empty()) {
      run = (*found)["runs"][0];
      break;
    }
    std::map<std::string, std::string> tags = RunTags(job);
    json create = {{"experiment_id", *exp_id},
                   {"run_name", RunName(job)},
                   {"start_time", impl_->NowMs()},
                   {"tags", KeyValueList(tags, kMaxTagValue)}};
    // One attempt only: if the answer is lost the run may exist, so search again before
    // sending another create.
    auto created = impl_->Post("runs/create", create, Retry::kNo);
    if (created) {
      run = (*created)["run"];
      break;
    }
    if (!IsRetryable(created.error().code) || round >= rounds)
      return std::unexpected(created.error());
    impl_->Backoff(round);
  }
  RunRef ref = RefOf(*run);
  if (ref.run_id.empty()) return Fail(ErrorCode::kInternal, "MLflow returned a run without an id");
  // Params the run does not hold yet (all of them for a new run), at most 100 per batch.
  std::map<std::string, std::string> have;
  if (run->contains("data")) have = KeyValues((*run)["data"].value("params", json::array()));
  std::map<std::string, std::string> missing;
  for (const auto& [k, v] : RunParams(job)) {
    if (!have.contains(k)) missing[k] = v;
  }
  while (!missing.empty()) {
    std::map<std::string, std::string> chunk;
    while (!missing.empty() && chunk.size() < kMaxParamsPerBatch) {
      chunk.insert(missing.extract(missing.begin()));
    }
    json batch = {{"run_id", ref.run_id}, {"params", KeyValueList(chunk, kMaxParamValue)}};
    if (auto s = impl_->Post("runs/log-batch", batch); !s) return std::unexpected(s.error());
  }
  if (ref.experiment_id.empty()) ref.experiment_id = *exp_id;
  return ref;
}

Status RestTracker::LogMetrics(const std::string& run_id,
                               const std::map<std::string, double>& metrics, int64_t timestamp_ms,
                               int64_t step) {
  if (metrics.empty()) return {};
  const int rounds = std::max(1, impl_->options().retry.max_attempts);
  for (int round = 1;; ++round) {
    // Re-read which (key, step) points exist: a batch whose answer was lost may have landed.
    auto run = impl_->Get("runs/get", {{"run_id", run_id}});
    if (!run) return std::unexpected(run.error());
    std::map<std::string, int64_t> latest_step;
    for (const auto& m : (*run)["run"]["data"].value("metrics", json::array())) {
      latest_step[JsonString(m, "key")] = m.value("step", int64_t{0});
    }
    json points = json::array();
    for (const auto& [key, value] : metrics) {
      auto it = latest_step.find(key);
      bool present = false;
      if (it != latest_step.end() && it->second == step) {
        present = true;
      } else if (it != latest_step.end() && it->second > step) {
        // Older step: only the full history can tell.
        std::string token;
        do {
          Impl::Query q = {{"run_id", run_id}, {"metric_key", key}, {"max_results", "25000"}};
          if (!token.empty()) q.emplace_back("page_token", token);
          auto history = impl_->Get("metrics/get-history", q);
          if (!history) return std::unexpected(history.error());
          for (const auto& m : history->value("metrics", json::array())) {
            present = present || m.value("step", int64_t{0}) == step;
          }
          token = JsonString(*history, "next_page_token");
        } while (!present && !token.empty());
      }
      if (!present) {
        points.push_back({{"key", key},
                          {"value", JsonDouble(value)},
                          {"timestamp", timestamp_ms},
                          {"step", step}});
      }
    }
    Status sent;
    for (size_t i = 0; i < points.size() && sent; i += kMaxMetricsPerBatch) {
      json chunk = json::array();
      for (size_t j = i; j < std::min(points.size(), i + kMaxMetricsPerBatch); ++j)
        chunk.push_back(points[j]);
      auto r = impl_->Post("runs/log-batch", {{"run_id", run_id}, {"metrics", chunk}}, Retry::kNo);
      if (!r) sent = std::unexpected(r.error());
    }
    if (sent) return {};
    if (!IsRetryable(sent.error().code) || round >= rounds) return sent;
    impl_->Backoff(round);
  }
}

Status RestTracker::SetTag(const std::string& run_id, const std::string& key,
                           const std::string& value) {
  auto r = impl_->Post(
      "runs/set-tag", {{"run_id", run_id}, {"key", key}, {"value", Truncate(value, kMaxTagValue)}});
  if (!r) return std::unexpected(r.error());
  return {};
}

Status RestTracker::LogParams(const std::string& run_id,
                              const std::map<std::string, std::string>& params) {
  if (params.empty()) return {};
  // Re-read what the run holds: an equal value is already logged, a different one conflicts.
  auto run = impl_->Get("runs/get", {{"run_id", run_id}});
  if (!run) return std::unexpected(run.error());
  const auto have = KeyValues((*run)["run"]["data"].value("params", json::array()));
  std::map<std::string, std::string> missing;
  for (const auto& [key, value] : params) {
    const std::string v = Truncate(value, kMaxParamValue);
    auto it = have.find(key);
    if (it == have.end()) {
      missing[key] = v;
    } else if (it->second != v) {
      return std::unexpected(ParamConflict(run_id, key, it->second, v));
    }
  }
  while (!missing.empty()) {
    std::map<std::string, std::string> chunk;
    while (!missing.empty() && chunk.size() < kMaxParamsPerBatch) {
      chunk.insert(missing.extract(missing.begin()));
    }
    json batch = {{"run_id", run_id}, {"params", KeyValueList(chunk, kMaxParamValue)}};
    if (auto s = impl_->Post("runs/log-batch", batch); !s) return std::unexpected(s.error());
  }
  return {};
}

Status RestTracker::EndRun(const std::string& run_id, RunEndStatus status, int64_t end_time_ms) {
  auto run = impl_->Get("runs/get", {{"run_id", run_id}});
  if (!run) return std::unexpected(run.error());
  const json& info = (*run)["run"]["info"];
  if (JsonString(info, "status") == StatusName(status) && info.contains("end_time")) return {};
  auto r =
      impl_->Post("runs/update",
                  {{"run_id", run_id}, {"status", StatusName(status)}, {"end_time", end_time_ms}});
  if (!r) return std::unexpected(r.error());
  return {};
}

Status RestTracker::LogArtifact(const RunRef& run, const std::string& relative_path,
                                const std::string& content) {
  std::string uri = run.artifact_uri;
  if (uri.empty()) {
    auto got = impl_->Get("runs/get", {{"run_id", run.run_id}});
    if (!got) return std::unexpected(got.error());
    uri = RefOf((*got)["run"]).artifact_uri;
  }
  return WriteRunArtifact(*impl_, uri, relative_path, content);
}

Result<std::string> RestTracker::ReadArtifact(const std::string& run_id,
                                              const std::string& relative_path) {
  auto got = impl_->Get("runs/get", {{"run_id", run_id}});
  if (!got) return std::unexpected(got.error());
  return ReadRunArtifact(*impl_, run_id, RefOf((*got)["run"]).artifact_uri, relative_path);
}

}  // namespace retrain
