#pragma once
// The REST API of CONTRACT section 3 as a pure request -> response function: no sockets, so it
// is unit-testable; the HTTP server calls Handle on its threads. Every business rule is the
// Orchestrator's; this layer validates input, maps errors and renders JSON.

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "auth/tokens.h"
#include "core/metrics.h"
#include "core/time.h"
#include "feed/feed_source.h"
#include "http/server.h"
#include "orchestrator/dependency_health.h"
#include "orchestrator/orchestrator.h"
#include "store/job_store.h"

namespace retrain {

// Reads the end of a job attempt's worker log (at most `max_bytes` of its tail). Errors:
// kNotFound when there is no such log.
using WorkerLogReader =
    std::function<Result<std::string>(const Job& job, int attempt, size_t max_bytes)>;

struct RestApiOptions {
  std::string version = "0.1.0";
  WorkerLogReader worker_log;  // empty: logs live elsewhere (e.g. Kubernetes)
  Handler graphql;             // POST/GET /graphql and its assets; empty = 404
  // API tokens: with them every API call needs a token of a role that grants it (401 without
  // one, 403 with a lower role); null = the API is open. /healthz and /readyz never need one;
  // /metrics only when !metrics_public; worker events are authorized by their callback token.
  std::shared_ptr<const TokenSet> tokens;
  bool metrics_public = true;
  // What the last calls found of MLflow and the executor (their /readyz checks); null = none.
  const DependencyHealth* health = nullptr;
};

class RestApi {
 public:
  // Dependencies must outlive the API. Thread-safe.
  RestApi(RestApiOptions options, Orchestrator& orchestrator, JobStore& store, FeedSource& feed,
          MetricsRegistry& metrics, const Clock& clock);

  // Routes the request, records HTTP metrics, never throws.
  Response Handle(const Request& request);

 private:
  // The caller's role, or the 401/403 response that refuses the request.
  std::variant<Role, Response> Authorize(const Request& request) const;
  Response Route(const Request& request, Role caller, std::string* route);
  Response Retrain(const Request& r, const std::string& model_id, Role caller);
  Response ListJobs(const Request& r);
  Response GetJob(const std::string& id);
  Response PostEvent(const Request& r, const std::string& id);
  Response ListEvents(const std::string& id);
  Response CancelJob(const std::string& id);
  Response WorkerLog(const Request& r, const std::string& id);
  Response Models();
  Response Preview(const std::string& model_id);
  Response ChampionHistory(const Request& r, const std::string& model_id);
  Response Promote(const Request& r, const std::string& model_id);
  Response Rollback(const Request& r, const std::string& model_id);
  Response Ready();

  RestApiOptions options_;
  Orchestrator& orchestrator_;
  JobStore& store_;
  FeedSource& feed_;
  MetricsRegistry& metrics_;
  const Clock& clock_;
};

// The OpenAPI 3.0 description served at /openapi.json.
std::string OpenApiDocument(const std::string& version);

}  // namespace retrain
