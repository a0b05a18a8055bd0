#pragma once
// The Kubernetes executor's view of its worker pods: one list + watch of pods on the managed-by
// label in its namespace (WatchedCollection), keeping only the pods that cannot start
// (pod_status.h), so that Observe can fail an attempt stuck on a bad image or a missing Secret
// instead of waiting for a deadline.
//
// Listing or watching pods needs get/list/watch on pods in the namespace. When the API server
// forbids it (a Role from before pods were watched), the watch logs one warning naming the
// missing permission and stops for good: Failure then finds nothing and the executor works on
// from the Job alone. Other errors are retried in the background.
//
// Thread safety: all methods may be called from any thread.

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "exec/kubernetes/kube_client.h"
#include "exec/kubernetes/pod_status.h"
#include "exec/kubernetes/watched_collection.h"

namespace retrain {

inline const KubeResource kPodsResource{"/api/v1", "pods", ""};

class PodWatch final : public WatchedCollection {
 public:
  // `client` must outlive the watch.
  PodWatch(const KubeClient& client, std::string ns, int watch_timeout_s, int64_t retry_ms);
  ~PodWatch() override;  // Stop()

  // Lists the pods and starts the watch thread, unless pods may not be listed (then warns).
  // A failed list for any other reason is retried by the thread.
  void Begin();

  // Why attempt `attempt` of job `job_id` cannot start, when one of its pods says so.
  std::optional<PodStartFailure> Failure(const std::string& job_id, int attempt) const;
  // False once the API server forbade listing or watching pods.
  bool enabled() const;

 private:
  struct StuckPod {
    std::string job_id;
    int attempt = 1;
    PodStartFailure failure;
  };

  void ApplyList(const nlohmann::json& list, int64_t begin_token) override;
  void ApplyEvent(const std::string& type, const nlohmann::json& object) override;
  bool ContinueAfter(const Error& error) override;
  void Record(const nlohmann::json& pod);  // mu_ held

  // Guarded by mu_.
  std::map<std::string, StuckPod> stuck_;  // by pod name
  bool enabled_ = true;
};

}  // namespace retrain
