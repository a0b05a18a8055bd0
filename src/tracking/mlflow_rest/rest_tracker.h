#pragma once
// Tracking on an MLflow tracking server over its REST API (/api/2.0/mlflow/...), with
// artifacts through the server's artifact proxy (/api/2.0/mlflow-artifacts/...) when a run's
// artifact URI is `mlflow-artifacts:/...`, or written directly when it is a local path or
// file:// URI. Other artifact stores (s3://, gs://, ...) are kFailedPrecondition: start the
// server with --serve-artifacts so that it proxies them.
//
// Authentication as MLflow's own client: MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD
// (both set) give HTTP basic auth, else MLFLOW_TRACKING_TOKEN gives a bearer token;
// MLFLOW_TRACKING_INSECURE_TLS=true turns off certificate checks and
// MLFLOW_TRACKING_SERVER_CERT_PATH names a CA bundle. Secrets never appear in errors or logs.
//
// Every request has a timeout. Connection failures, timeouts, 429 and 5xx answers are retried
// with capped exponential backoff and jitter (Retry-After is honoured up to the cap); a
// request that could create a duplicate (runs/create, model-versions/create, metric batches)
// is never blindly resent: the state is re-read first, so a lost answer does not create a
// second run, version or metric point. 4xx answers are not retried and map to
// kInvalidArgument (400), kAlreadyExists (RESOURCE_ALREADY_EXISTS), kUnauthenticated (401),
// kPermissionDenied (403), kNotFound (404), kAborted (409), kPayloadTooLarge (413); after the
// last retry a 5xx is kUnavailable, a 429 kResourceExhausted, a timeout kDeadlineExceeded.
// Messages name the endpoint, the HTTP status and MLflow's error code and message (bodies
// that are not JSON are quoted, shortened).
//
// Thread safety: all methods may be called from several threads at once.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "core/time.h"
#include "http/http_client.h"
#include "tracking/tracker.h"

namespace retrain {

struct RetryPolicy {
  int max_attempts = 6;  // including the first
  int64_t initial_backoff_ms = 250;
  int64_t max_backoff_ms = 8'000;
  double multiplier = 2.0;
};

struct RestTrackerOptions {
  std::string tracking_uri;       // http(s)://host:port[/prefix]
  std::string artifact_location;  // "" = the server's default (mlflow-artifacts:/ with proxying)
  std::string experiment_name = "intelgraph-retraining";
  std::string experiment_description;
  std::map<std::string, std::string> experiment_tags;
  // Credentials and TLS; Create fills empty ones from the MLFLOW_TRACKING_* environment.
  std::string username, password, token;
  TlsOptions tls;
  int64_t timeout_ms = 30'000;            // every API call
  int64_t artifact_timeout_ms = 300'000;  // artifact upload/download
  RetryPolicy retry;
  uint64_t jitter_seed = 0;  // 0 = seeded from a random device
};

// Sends one HTTP request (tests substitute a fake; the default is an HttpClient).
using HttpTransport = std::function<Result<HttpResponse>(const HttpRequest&)>;
// Waits between retries (tests substitute a recorder that does not sleep).
using SleepFunction = std::function<void(int64_t ms)>;
// Reads an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// What RestTracker talks to; each empty member gets the real implementation.
struct RestDependencies {
  HttpTransport transport;       // empty = HttpClient with the options' TLS settings
  SleepFunction sleep;           // empty = std::this_thread::sleep_for
  EnvLookup env;                 // empty = the process environment
  const Clock* clock = nullptr;  // nullptr = system clock; must outlive the tracker
};

class RestTracker final : public Tracker, public ArtifactReader, public ModelRegistry {
 public:
  // Validates the URI (http:// or https://) and the experiment name and reads credentials and
  // TLS settings from the environment. Does no I/O. Errors: kInvalidArgument.
  [[nodiscard]] static Result<std::unique_ptr<RestTracker>> Create(RestTrackerOptions options,
                                                                   RestDependencies deps = {});
  ~RestTracker() override;

  Result<std::string> EnsureExperiment() override;
  Result<RunRef> EnsureRun(const Job& job) override;
  // Logs only the points whose (key, step) the run does not hold yet, in batches of at most
  // 1000 metrics.
  Status LogMetrics(const std::string& run_id, const std::map<std::string, double>& metrics,
                    int64_t timestamp_ms, int64_t step) override;
  Status SetTag(const std::string& run_id, const std::string& key,
                const std::string& value) override;
  Status LogParams(const std::string& run_id,
                   const std::map<std::string, std::string>& params) override;
  Status EndRun(const std::string& run_id, RunEndStatus status, int64_t end_time_ms) override;
  Status LogArtifact(const RunRef& run, const std::string& relative_path,
                     const std::string& content) override;
  std::string Uri() const override;
  // GET experiments/get-by-name of the experiment, one attempt; an MLflow error answer is success.
  Status Ping() override;

  Result<std::string> ReadArtifact(const std::string& run_id,
                                   const std::string& relative_path) override;

  Status EnsureRegisteredModel(const std::string& name) override;
  // Returns the existing version when `name` already has one with this run_id and source.
  Result<ModelVersion> CreateVersion(const std::string& name, const std::string& source,
                                     const std::string& run_id) override;
  Result<std::optional<ModelVersion>> GetByAlias(const std::string& name,
                                                 const std::string& alias) override;
  Status SetAlias(const std::string& name, const std::string& alias,
                  const std::string& version) override;
  // GET model-versions/get (then registered-models/get to tell a missing model from a missing
  // version).
  Result<std::optional<ModelVersion>> GetVersion(const std::string& name,
                                                 const std::string& version) override;
  // POST model-versions/set-tag.
  Status SetVersionTag(const std::string& name, const std::string& version, const std::string& key,
                       const std::string& value) override;

  class Impl;  // request building, retries and JSON (rest_client.cc)

  struct PrivateTag {};
  RestTracker(PrivateTag, std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
  std::mutex mu_;
  std::string experiment_id_;  // guarded by mu_; cached after EnsureExperiment
};

}  // namespace retrain
