#include "store/job_codec.h"

#include <nlohmann/json.hpp>

namespace retrain {

using nlohmann::json;

namespace {

template <typename T>
void PutOpt(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
template <typename T>
std::optional<T> GetOpt(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

}  // namespace

std::string EncodeJob(const Job& job) {
  json j;
  j["id"] = job.id;
  j["modelId"] = job.model_id;
  j["status"] = std::string(ToString(job.status));
  PutOpt(j, "reason", job.reason);
  j["trigger"] = std::string(ToString(job.trigger));
  json w;
  w["after"] = job.window.after;
  w["upto"] = job.window.upto;
  w["records"] = job.window.records;
  PutOpt(w, "startMs", job.window.start_ms);
  PutOpt(w, "endMs", job.window.end_ms);
  json ij = json::array();
  for (const auto& [name, count] : job.window.ingestion_jobs) ij.push_back({name, count});
  w["ingestionJobs"] = ij;
  j["window"] = w;
  j["scheduledAt"] = job.scheduled_at_ms;
  PutOpt(j, "startedAt", job.started_at_ms);
  PutOpt(j, "completedAt", job.completed_at_ms);
  j["updatedAt"] = job.updated_at_ms;
  j["executor"] = job.executor;
  PutOpt(j, "k8sName", job.kubernetes_job_name);
  PutOpt(j, "k8sNamespace", job.kubernetes_namespace);
  PutOpt(j, "mlflowRunId", job.mlflow_run_id);
  PutOpt(j, "mlflowExperimentId", job.mlflow_experiment_id);
  j["metrics"] = job.metrics;
  PutOpt(j, "progress", job.progress);
  j["attempt"] = job.attempt;
  PutOpt(j, "error", job.error);
  j["submitted"] = job.submitted;
  j["attemptStartedAt"] = job.attempt_started_ms;
  j["trackedEventSeq"] = job.tracked_event_seq;
  j["trackingFinalized"] = job.tracking_finalized;
  j["cancelRequested"] = job.cancel_requested;
  return j.dump();
}

Result<Job> DecodeJob(const std::string& text) {
  try {
    json j = json::parse(text);
    Job job;
    job.id = j.at("id").get<std::string>();
    job.model_id = j.at("modelId").get<std::string>();
    auto status = ParseStatus(j.at("status").get<std::string>());
    if (!status)
      return Fail(ErrorCode::kInternal, "stored job " + job.id + " has an unknown status");
    job.status = *status;
    job.reason = GetOpt<std::string>(j, "reason");
    std::string trig = j.value("trigger", "automatic");
    job.trigger = trig == "manual"    ? TriggerKind::kManual
                  : trig == "graphql" ? TriggerKind::kGraphql
                  : trig == "drift"   ? TriggerKind::kDrift
                                      : TriggerKind::kAutomatic;
    const json& w = j.at("window");
    job.window.after = w.value("after", "");
    job.window.upto = w.value("upto", "");
    job.window.records = w.value("records", int64_t{0});
    job.window.start_ms = GetOpt<int64_t>(w, "startMs");
    job.window.end_ms = GetOpt<int64_t>(w, "endMs");
    for (const auto& e : w.value("ingestionJobs", json::array()))
      job.window.ingestion_jobs.emplace_back(e.at(0).get<std::string>(), e.at(1).get<int64_t>());
    job.scheduled_at_ms = j.value("scheduledAt", int64_t{0});
    job.started_at_ms = GetOpt<int64_t>(j, "startedAt");
    job.completed_at_ms = GetOpt<int64_t>(j, "completedAt");
    job.updated_at_ms = j.value("updatedAt", int64_t{0});
    job.executor = j.value("executor", "local");
    job.kubernetes_job_name = GetOpt<std::string>(j, "k8sName");
    job.kubernetes_namespace = GetOpt<std::string>(j, "k8sNamespace");
    job.mlflow_run_id = GetOpt<std::string>(j, "mlflowRunId");
    job.mlflow_experiment_id = GetOpt<std::string>(j, "mlflowExperimentId");
    job.metrics = j.value("metrics", std::map<std::string, double>{});
    job.progress = GetOpt<double>(j, "progress");
    job.attempt = j.value("attempt", 1);
    job.error = GetOpt<std::string>(j, "error");
    job.submitted = j.value("submitted", false);
    job.attempt_started_ms = j.value("attemptStartedAt", int64_t{0});
    job.tracked_event_seq = j.value("trackedEventSeq", int64_t{0});
    job.tracking_finalized = j.value("trackingFinalized", false);
    job.cancel_requested = j.value("cancelRequested", false);
    return job;
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kInternal, std::string("a stored job is not valid: ") + e.what());
  }
}

std::string EncodeMetrics(const std::map<std::string, double>& metrics) {
  return json(metrics).dump();
}

Result<std::map<std::string, double>> DecodeMetrics(const std::string& text) {
  if (text.empty()) return std::map<std::string, double>{};
  try {
    return json::parse(text).get<std::map<std::string, double>>();
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kInternal, std::string("stored metrics are not valid: ") + e.what());
  }
}

}  // namespace retrain
