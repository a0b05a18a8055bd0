#pragma once
// Internal to the REST adapter: request building, authentication, retries with backoff, error
// mapping and JSON for MLflow's REST API. Thread-safe.

#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tracking/mlflow_rest/rest_tracker.h"

namespace retrain {

class RestTracker::Impl {
 public:
  enum class Retry { kYes, kNo };  // kNo: one attempt (the caller re-reads state first)
  using Query = std::vector<std::pair<std::string, std::string>>;

  Impl(RestTrackerOptions options, RestDependencies deps);

  const RestTrackerOptions& options() const { return options_; }
  int64_t NowMs() const { return clock_->NowMs(); }

  // GET /api/2.0/mlflow/<endpoint>?<query>; the parsed JSON body on 2xx.
  [[nodiscard]] Result<nlohmann::json> Get(const std::string& endpoint, const Query& query,
                                           Retry retry = Retry::kYes);
  // POST (or another method with a JSON body) /api/2.0/mlflow/<endpoint>.
  [[nodiscard]] Result<nlohmann::json> Post(const std::string& endpoint, const nlohmann::json& body,
                                            Retry retry = Retry::kYes,
                                            const std::string& method = "POST");
  // Any request (artifacts); the response on 2xx.
  [[nodiscard]] Result<HttpResponse> Send(HttpRequest request, const std::string& what,
                                          Retry retry);

  // The URL of `path` (starting with '/') on the tracking server.
  std::string Url(const std::string& path) const;
  // Sleeps before retry `attempt` (1-based) of an operation the caller loops over itself.
  void Backoff(int attempt, int64_t retry_after_ms = 0);

 private:
  std::vector<std::pair<std::string, std::string>> AuthHeaders() const;
  int64_t BackoffMs(int attempt, int64_t retry_after_ms);

  RestTrackerOptions options_;
  std::string base_;  // tracking URI without a trailing '/'
  HttpTransport transport_;
  SleepFunction sleep_;
  std::unique_ptr<Clock> owned_clock_;
  const Clock* clock_;
  std::unique_ptr<HttpClient> http_;  // the default transport's client
  std::mutex rng_mu_;
  std::mt19937_64 rng_;  // guarded by rng_mu_
};

// Maps a non-2xx answer to an Error naming `what` (e.g. "POST runs/create").
Error ErrorForResponse(const std::string& what, const HttpResponse& response);
// True when the answer should be retried (429 and 5xx).
bool IsRetryableStatus(int status);
// Seconds of a Retry-After header as milliseconds (0 when absent or not a number).
int64_t RetryAfterMs(const HttpResponse& response);

// JSON helpers: a string field or "", a tag list [{key, value}] as a map.
std::string JsonString(const nlohmann::json& object, const char* key);
std::map<std::string, std::string> KeyValues(const nlohmann::json& list);
// A single-quoted literal for MLflow's search filter grammar (runs/search, model-versions/search).
std::string FilterLiteral(const std::string& value);
// A double as MLflow's JSON accepts it ("NaN", "Infinity", "-Infinity" for non-finite).
nlohmann::json JsonDouble(double value);

}  // namespace retrain
