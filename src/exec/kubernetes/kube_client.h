#pragma once
// A small Kubernetes REST client over HttpClient: create, get, list (label selectors), patch,
// delete (propagationPolicy=Background) and watch of namespaced objects, JSON in and out.
//
// Errors (Kubernetes Status bodies are turned into one sentence):
//   400 kInvalidArgument, 401 kUnauthenticated, 404 kNotFound, 409 kAlreadyExists (reason
//   AlreadyExists) or kAborted (Conflict), 410 kFailedPrecondition with api_code
//   "resource_expired", 422 kUnprocessable, 429 kResourceExhausted, 5xx kUnavailable,
//   transport failures kUnavailable / kDeadlineExceeded.
//   403 is kPermissionDenied with a message naming the verb, the resource and the namespace:
//   "Kubernetes denied create on jobs.batch in namespace ml (check the RBAC Role of
//   the service account): <server message>".
// Every error carries the detail "kubernetes_reason" when the server gave one.
// 429 and 5xx answers and transport failures are retried (up to max_attempts, exponential
// backoff with jitter, honouring Retry-After); other statuses are returned at once. Watches
// are not retried here: the caller resumes them.
//
// Thread safety: all methods may be called from several threads at once.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "core/error.h"
#include "exec/kubernetes/kube_config.h"
#include "http/http_client.h"

namespace retrain {

// One kind of namespaced object, e.g. {"/apis/batch/v1", "jobs", "batch"}.
struct KubeResource {
  std::string api_prefix;  // "/api/v1" or "/apis/<group>/<version>"
  std::string plural;      // "jobs", "secrets"
  std::string group;       // "" for the core group; used in messages ("jobs.batch")
};

inline const KubeResource kJobsResource{"/apis/batch/v1", "jobs", "batch"};
inline const KubeResource kSecretsResource{"/api/v1", "secrets", ""};

struct KubeClientOptions {
  int max_attempts = 5;              // per call, for retryable failures
  int64_t initial_backoff_ms = 100;  // doubled per retry
  int64_t max_backoff_ms = 5'000;
  int64_t request_timeout_ms = 30'000;
  int64_t token_reread_ms = 60'000;  // re-read a token file at most this often
  // How to wait between retries; default std::this_thread::sleep_for. Tests inject a fake.
  std::function<void(int64_t ms)> sleep;
};

// What a watch call ended with.
enum class WatchEnd {
  kTimeout,  // the server closed the stream (timeoutSeconds elapsed): resume from the last RV
  kStopped,  // on_event returned false
  kExpired,  // 410 Gone (HTTP status or an ERROR event): relist, then watch again
};

class KubeClient {
 public:
  // kInvalidArgument when the configuration has no server.
  [[nodiscard]] static Result<std::unique_ptr<KubeClient>> Create(KubeConfig config,
                                                                  KubeClientOptions options = {});
  ~KubeClient();

  const KubeConfig& config() const { return config_; }

  // POST <collection>. `dry_run` adds ?dryRun=All (the server validates and admits, stores
  // nothing).
  [[nodiscard]] Result<nlohmann::json> CreateObject(const KubeResource& res, const std::string& ns,
                                                    const nlohmann::json& body,
                                                    bool dry_run = false) const;
  [[nodiscard]] Result<nlohmann::json> GetObject(const KubeResource& res, const std::string& ns,
                                                 const std::string& name) const;
  // GET <collection>?labelSelector=...; returns the List object (items + metadata.resourceVersion).
  [[nodiscard]] Result<nlohmann::json> ListObjects(const KubeResource& res, const std::string& ns,
                                                   const std::string& label_selector) const;
  // PATCH with `content_type` (application/merge-patch+json, ...); `subresource` e.g. "status".
  [[nodiscard]] Result<nlohmann::json> PatchObject(const KubeResource& res, const std::string& ns,
                                                   const std::string& name,
                                                   const nlohmann::json& patch,
                                                   const std::string& content_type,
                                                   const std::string& subresource = "") const;
  // DELETE with propagationPolicy=Background; kNotFound when it does not exist. With
  // `uid`, a precondition makes the delete fail (kAborted) if the name now belongs to a
  // different object.
  [[nodiscard]] Status DeleteObject(const KubeResource& res, const std::string& ns,
                                    const std::string& name, const std::string& uid = "") const;

  // Watches the collection from `resource_version` for up to `timeout_s` seconds (server side)
  // with bookmarks enabled. on_event(type, object) is called for ADDED, MODIFIED, DELETED and
  // BOOKMARK events in order; returning false ends the watch (kStopped), and so does
  // `keep_going` returning false (polled about once a second, so a quiet watch stops promptly).
  // Errors: transport failures and non-410 statuses (the watch was dropped; resume it after a
  // pause).
  [[nodiscard]] Result<WatchEnd> Watch(
      const KubeResource& res, const std::string& ns, const std::string& label_selector,
      const std::string& resource_version, int timeout_s,
      const std::function<bool(const std::string& type, const nlohmann::json& object)>& on_event,
      const std::function<bool()>& keep_going = {}) const;

  // Any request against the API server with the client's credentials and retries; the body
  // is JSON text or empty. Answers any status (the caller interprets it).
  [[nodiscard]] Result<HttpResponse> Raw(const std::string& method, const std::string& path,
                                         const std::string& body,
                                         const std::string& content_type) const;

  // Turns a non-2xx answer into an Error naming `verb` on `res` in `ns`.
  static Error ErrorFor(const HttpResponse& resp, std::string_view verb, const KubeResource& res,
                        const std::string& ns);

 private:
  KubeClient(KubeConfig config, KubeClientOptions options);
  std::string Token() const;
  std::vector<std::pair<std::string, std::string>> Headers(const std::string& content_type) const;
  Result<HttpResponse> SendWithRetry(HttpRequest request) const;
  Result<nlohmann::json> Expect2xx(const Result<HttpResponse>& resp, std::string_view verb,
                                   const KubeResource& res, const std::string& ns) const;

  KubeConfig config_;
  KubeClientOptions options_;
  HttpClient http_;
  mutable std::mutex token_mu_;  // guards token_ and token_read_at_
  mutable std::string token_;
  mutable int64_t token_read_at_ = 0;
};

// "/apis/batch/v1/namespaces/ns/jobs[/name[/sub]]"
std::string KubePath(const KubeResource& res, const std::string& ns, const std::string& name = "",
                     const std::string& subresource = "");

}  // namespace retrain
