#include "orchestrator/worker_env.h"

#include <cctype>

#include "core/ids.h"
#include "core/time.h"

namespace retrain {

std::map<std::string, std::string> WorkerEnv(const WorkerEnvOptions& options, const Job& job,
                                             const ModelSettings& m) {
  std::map<std::string, std::string> env = options.extra;
  env["MODEL_ID"] = job.model_id;
  env["RETRAINING_JOB_ID"] = job.id;
  env["RETRAINING_ATTEMPT"] = std::to_string(job.attempt);
  env["DATA_WINDOW_START"] = job.window.start_ms ? FormatRfc3339(*job.window.start_ms) : "";
  env["DATA_WINDOW_END"] = job.window.end_ms ? FormatRfc3339(*job.window.end_ms) : "";
  env["RETRAINING_WINDOW_AFTER"] = job.window.after;
  env["RETRAINING_WINDOW_UPTO"] = job.window.upto;
  std::string types;
  for (const auto& t : m.entity_types) types += (types.empty() ? "" : ",") + t;
  env["RETRAINING_ENTITY_TYPES"] = types;
  env["RETRAINING_RECORD_COUNT"] = std::to_string(job.window.records);
  env["RETRAINING_REASON"] = job.reason.value_or("");
  env["RETRAINING_TRIGGER"] = std::string(ToString(job.trigger));
  env["RETRAINING_FEED_URI"] = options.feed_uri;
  env["RETRAINING_CALLBACK_URL"] = options.public_url + "/retraining/jobs/" + job.id + "/events";
  env["MLFLOW_RUN_ID"] = job.mlflow_run_id.value_or("");
  env["MLFLOW_EXPERIMENT_ID"] = job.mlflow_experiment_id.value_or("");
  if (!options.tracking_uri.empty()) env["MLFLOW_TRACKING_URI"] = options.tracking_uri;
  for (auto& [k, v] : QualityWorkerEnv(m)) env[k] = std::move(v);
  for (const auto& [k, v] : m.params) {
    std::string key = "TRAINER_";
    for (char c : k) key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    env[key] = v;
  }
  return env;
}

std::string CallbackTokens::For(const std::string& job_id, int attempt) const {
  return HmacSha256Hex(secret_, job_id + ":" + std::to_string(attempt));
}

bool CallbackTokens::Matches(std::string_view token, const std::string& job_id, int attempt) const {
  return !token.empty() && ConstantTimeEquals(token, For(job_id, attempt));
}

}  // namespace retrain
