#pragma once
// What a worker is given (CONTRACT section 7): its environment, the same for a local subprocess
// and a Kubernetes Job, and the bearer token that lets it report on its own attempt and no other.

#include <map>
#include <string>
#include <string_view>

#include "core/job.h"
#include "core/model.h"

namespace retrain {

struct WorkerEnvOptions {
  std::string public_url;    // base URL workers use to reach the API
  std::string feed_uri;      // RETRAINING_FEED_URI
  std::string tracking_uri;  // MLFLOW_TRACKING_URI; "" = no tracker, the variable is not set
  std::map<std::string, std::string> extra;  // variables for every worker (the rest wins)
};

// The environment of `job`'s current attempt: MODEL_ID, RETRAINING_* (window cursors, entity
// types, record count, reason, trigger, feed, callback URL), DATA_WINDOW_START/END, MLFLOW_* and
// TRAINER_<PARAM> for each of the model's params (the key upper-cased). The callback token is
// not in it; executors pass it apart (a Secret for Kubernetes).
std::map<std::string, std::string> WorkerEnv(const WorkerEnvOptions& options, const Job& job,
                                             const ModelSettings& model);

// Per-attempt callback tokens: HMAC-SHA256 of "<jobId>:<attempt>" under a secret that never
// leaves the server. A token is valid for one attempt of one job. Thread-safe.
class CallbackTokens {
 public:
  explicit CallbackTokens(std::string secret) : secret_(std::move(secret)) {}

  // The token the worker of `job_id`'s attempt `attempt` presents.
  std::string For(const std::string& job_id, int attempt) const;
  // Whether `token` is that token (compared in constant time; "" never is).
  bool Matches(std::string_view token, const std::string& job_id, int attempt) const;

 private:
  std::string secret_;
};

}  // namespace retrain
