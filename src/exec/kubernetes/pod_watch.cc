#include "exec/kubernetes/pod_watch.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "exec/kubernetes/job_manifest.h"
#include "exec/kubernetes/kube_object.h"

namespace retrain {

using json = nlohmann::json;

PodWatch::PodWatch(const KubeClient& client, std::string ns, int watch_timeout_s, int64_t retry_ms)
    : WatchedCollection(client, kPodsResource, std::move(ns), kManagedBySelector, watch_timeout_s,
                        retry_ms) {}

PodWatch::~PodWatch() { Stop(); }

void PodWatch::Begin() {
  if (auto listed = Relist(); !listed && !ContinueAfter(listed.error())) return;
  Start();
}

void PodWatch::Record(const json& pod) {
  std::string name = MetaOf(pod, "name");
  std::string job_id = LabelOf(pod, kJobIdLabel);
  int attempt = AttemptOf(pod);
  auto failure = PodCannotStart(pod, job_id, attempt);
  if (failure)
    stuck_[name] = StuckPod{job_id, attempt, std::move(*failure)};
  else
    stuck_.erase(name);
}

void PodWatch::ApplyList(const json& list, int64_t) {
  stuck_.clear();
  if (!list.contains("items") || !list["items"].is_array()) return;
  for (const auto& pod : list["items"]) Record(pod);
}

void PodWatch::ApplyEvent(const std::string& type, const json& object) {
  if (type == "DELETED")
    stuck_.erase(MetaOf(object, "name"));
  else
    Record(object);
}

bool PodWatch::ContinueAfter(const Error& error) {
  if (error.code != ErrorCode::kPermissionDenied) return true;
  {
    std::lock_guard lock(mu_);
    if (!enabled_) return false;
    enabled_ = false;
    stuck_.clear();
  }
  spdlog::warn(
      "kubernetes executor: without get, list and watch on pods in namespace {}, a job whose "
      "pod cannot start (ImagePullBackOff, CreateContainerConfigError, ...) fails only at its "
      "deadline; grant them as deploy/kubernetes/base/rbac.yaml does. {}",
      ns(), error.message);
  return false;
}

std::optional<PodStartFailure> PodWatch::Failure(const std::string& job_id, int attempt) const {
  std::lock_guard lock(mu_);
  for (const auto& [name, pod] : stuck_)
    if (pod.job_id == job_id && pod.attempt == attempt) return pod.failure;
  return std::nullopt;
}

bool PodWatch::enabled() const {
  std::lock_guard lock(mu_);
  return enabled_;
}

}  // namespace retrain
