#pragma once
// Whether a worker pod can ever start, read from the Pod object alone. Pure functions (no I/O),
// unit-tested directly.
//
// A pod of the job's current attempt (labels retrain.dev/job-id and retrain.dev/attempt, as
// job_manifest.h sets them on the pod template; a missing attempt label reads as 1) cannot
// start when its `trainer` container or any init container is waiting with one of the reasons
// the kubelet does not get past by itself: ImagePullBackOff, InvalidImageName,
// ErrImageNeverPull (the image), CreateContainerConfigError (a missing Secret or ConfigMap, a
// bad key), CreateContainerError. ErrImagePull is not one of them: the kubelet retries it, and
// it becomes ImagePullBackOff when it keeps failing. Running and terminated containers, other
// containers (sidecars), pods of other jobs or attempts, and fields that are missing or of the
// wrong type never count.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

namespace retrain {

struct PodStartFailure {
  std::string pod;        // metadata.name
  std::string container;  // "trainer" or the init container's name
  std::string reason;     // e.g. "ImagePullBackOff"
  std::string message;    // the kubelet's message; may be empty

  // "Pod <pod> cannot start container <container>: <reason>: <message>" (without the last
  // ": <message>" when there is none).
  std::string Describe() const;
};

// The first container (init containers first, in status order) that keeps `pod` from ever
// starting, when `pod` belongs to attempt `attempt` of job `job_id`; nullopt otherwise.
std::optional<PodStartFailure> PodCannotStart(const nlohmann::json& pod, const std::string& job_id,
                                              int attempt);

}  // namespace retrain
