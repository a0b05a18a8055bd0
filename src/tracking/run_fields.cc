#include "tracking/run_fields.h"

#include "core/time.h"

namespace retrain {

std::string RunName(const Job& job) {
  return "retrain-" + job.model_id + "-" + FormatCompactUtc(job.scheduled_at_ms);
}

std::map<std::string, std::string> RunTags(const Job& job) {
  std::map<std::string, std::string> tags = {
      {"model_id", job.model_id},
      {kRunJobTag, job.id},
      {"retraining_trigger", std::string(ToString(job.trigger))},
      {"retraining_status", std::string(ToString(job.status))},
  };
  if (job.reason && !job.reason->empty()) tags["retraining_reason"] = *job.reason;
  return tags;
}

std::map<std::string, std::string> RunParams(const Job& job) {
  std::map<std::string, std::string> params = {
      {"record_count", std::to_string(job.window.records)}};
  if (job.window.start_ms) params["data_window_start"] = FormatRfc3339(*job.window.start_ms);
  if (job.window.end_ms) params["data_window_end"] = FormatRfc3339(*job.window.end_ms);
  if (!job.window.ingestion_jobs.empty()) {
    std::string list;
    for (const auto& [id, count] : job.window.ingestion_jobs) {
      if (!list.empty()) list += ",";
      list += id + ":" + std::to_string(count);
    }
    params["ingestion_jobs"] = list;
  }
  return params;
}

Error ParamConflict(const std::string& run_id, const std::string& key, const std::string& have,
                    const std::string& wanted) {
  return Fail(ErrorCode::kFailedPrecondition,
              "run " + run_id + " already has param " + key + " = '" + have +
                  "'; MLflow params cannot change (new value '" + wanted + "')",
              "param_conflict")
      .error();
}

}  // namespace retrain
