#include "api/json_views.h"

#include "core/time.h"

namespace retrain {

using nlohmann::json;

namespace {

json TimeOrNull(const std::optional<int64_t>& ms) {
  return ms ? json(FormatRfc3339(*ms)) : json(nullptr);
}
template <typename T>
json OrNull(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

json JobJson(const Job& job) {
  json ingestion = json::array();
  for (const auto& [name, count] : job.window.ingestion_jobs) ingestion.push_back(name);
  json counts = json::object();
  for (const auto& [name, count] : job.window.ingestion_jobs) counts[name] = count;
  const TrainingRange training = TrainingRangeOf(job);
  return json{
      {"id", job.id},
      {"modelId", job.model_id},
      {"status", std::string(ToString(job.status))},
      {"reason", OrNull(job.reason)},
      {"trigger", std::string(ToString(job.trigger))},
      {"records", job.window.records},
      {"dataWindowStart", TimeOrNull(job.window.start_ms)},
      {"dataWindowEnd", TimeOrNull(job.window.end_ms)},
      {"trainingRecords", OrNull(training.records)},
      {"trainingWindowStart", TimeOrNull(training.start_ms)},
      {"trainingWindowEnd", TimeOrNull(training.end_ms)},
      {"ingestionJobs", ingestion},
      {"ingestionJobCounts", counts},
      {"scheduledAt", FormatRfc3339(job.scheduled_at_ms)},
      {"startedAt", TimeOrNull(job.started_at_ms)},
      {"completedAt", TimeOrNull(job.completed_at_ms)},
      {"updatedAt", FormatRfc3339(job.updated_at_ms)},
      {"executor", job.executor},
      {"kubernetesJobName", OrNull(job.kubernetes_job_name)},
      {"kubernetesNamespace", OrNull(job.kubernetes_namespace)},
      {"mlflowRunId", OrNull(job.mlflow_run_id)},
      {"mlflowExperimentId", OrNull(job.mlflow_experiment_id)},
      {"metrics", job.metrics},
      {"progress", OrNull(job.progress)},
      {"attempt", job.attempt},
      {"error", OrNull(job.error)},
  };
}

json EventJson(const JobEvent& ev) {
  json j{{"seq", ev.seq},
         {"at", FormatRfc3339(ev.at_ms)},
         {"status", ev.status ? json(std::string(ToString(*ev.status))) : json(nullptr)},
         {"progress", OrNull(ev.progress)},
         {"message", OrNull(ev.message)},
         {"metrics", ev.metrics},
         {"source", std::string(ToString(ev.source))}};
  return j;
}

json ChampionPeriodJson(const ChampionPeriod& period) {
  const Promotion& p = period.promotion;
  return json{{"seq", p.seq},
              {"modelId", p.model_id},
              {"version", p.version},
              {"previousVersion", OrNull(p.previous_version)},
              {"source", std::string(ToString(p.source))},
              {"reason", p.reason},
              {"jobId", OrNull(p.job_id)},
              {"from", FormatRfc3339(p.at_ms)},
              {"to", TimeOrNull(period.to_ms)},
              {"current", period.current}};
}

json ChampionMoveJson(const ChampionMove& move) {
  ChampionPeriod period{move.promotion, std::nullopt, true};
  return json{{"changed", move.changed},
              {"message", move.message},
              {"champion", ChampionPeriodJson(period)}};
}

json ErrorJson(const Error& e) {
  json details = json::object();
  for (const auto& [k, v] : e.details) {
    std::visit([&](const auto& x) { details[k] = x; }, v);
  }
  return json{{"error",
               {{"code", e.api_code.empty() ? CodeName(e.code) : e.api_code},
                {"message", e.message},
                {"details", details}}}};
}

Response JsonResponse(int status, const json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Response ErrorResponse(const Error& e) { return JsonResponse(HttpStatusFor(e.code), ErrorJson(e)); }

Response ErrorResponse(int status, const std::string& code, const std::string& message) {
  Error e;
  e.api_code = code;
  e.message = message;
  return JsonResponse(status, ErrorJson(e));
}

}  // namespace retrain
