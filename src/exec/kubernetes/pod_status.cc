#include "exec/kubernetes/pod_status.h"

#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

#include "exec/kubernetes/job_manifest.h"
#include "exec/kubernetes/kube_object.h"

namespace retrain {

using json = nlohmann::json;

namespace {

constexpr std::array<std::string_view, 5> kCannotStartReasons = {
    "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError",
    "CreateContainerError"};

// The first status in status[key] (an array of container statuses) accepted by `pick` whose
// container is waiting for one of kCannotStartReasons.
template <typename Pick>
std::optional<PodStartFailure> FirstStuck(const json& status, const char* key, Pick pick) {
  auto list = status.find(key);
  if (list == status.end() || !list->is_array()) return std::nullopt;
  for (const json& cs : *list) {
    std::string name = StringField(cs, "name");
    if (!pick(name)) continue;
    const json* state = ObjectField(cs, "state");
    const json* waiting = state ? ObjectField(*state, "waiting") : nullptr;
    if (!waiting) continue;
    std::string reason = StringField(*waiting, "reason");
    for (std::string_view r : kCannotStartReasons)
      if (reason == r) return PodStartFailure{"", name, reason, StringField(*waiting, "message")};
  }
  return std::nullopt;
}

}  // namespace

std::string PodStartFailure::Describe() const {
  std::string s = "Pod " + pod + " cannot start container " + container + ": " + reason;
  if (!message.empty()) s += ": " + message;
  return s;
}

std::optional<PodStartFailure> PodCannotStart(const json& pod, const std::string& job_id,
                                              int attempt) {
  if (job_id.empty() || LabelOf(pod, kJobIdLabel) != job_id || AttemptOf(pod) != attempt)
    return std::nullopt;
  const json* status = ObjectField(pod, "status");
  if (!status) return std::nullopt;
  auto failure =
      FirstStuck(*status, "initContainerStatuses", [](const std::string&) { return true; });
  if (!failure)
    failure = FirstStuck(*status, "containerStatuses",
                         [](const std::string& name) { return name == kContainerName; });
  if (failure) failure->pod = MetaOf(pod, "name");
  return failure;
}

}  // namespace retrain
