#pragma once
// The Kubernetes objects of one job attempt: a batch/v1 Job running the worker container and a
// Secret holding the job's callback token. Pure functions (no I/O), so they are unit-tested
// directly.
//
// Names: `ml-retrain-<model>-<first 8 characters of the job id>`, RFC 1123 (lower-case
// alphanumerics and '-', starting and ending alphanumeric) and at most 63 characters. The model
// part is sanitized (other characters become '-', runs collapse) and truncated when too long;
// the job-id part is always kept. Should that short name already belong to another job (two
// job ids sharing 8 leading characters), JobNameForCollision gives the form with the whole job
// id, which no other job can have.
//
// Labels on the Job, its pod template and the Secret: app.kubernetes.io/managed-by=retrain,
// app.kubernetes.io/name=retrain-worker, retrain.dev/model-id (label-safe form of the model id),
// retrain.dev/job-id, retrain.dev/attempt; the pod also carries `job-id`. Annotations keep the
// exact model id, job id, attempt, MLflow run id and data window.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "exec/executor.h"

namespace retrain {

inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "retrain";
inline constexpr const char* kModelIdLabel = "retrain.dev/model-id";
inline constexpr const char* kJobIdLabel = "retrain.dev/job-id";
inline constexpr const char* kAttemptLabel = "retrain.dev/attempt";
inline constexpr const char* kPodJobIdLabel = "job-id";
inline constexpr const char* kTokenSecretKey = "token";
inline constexpr const char* kContainerName = "trainer";
// Selects every object retrain manages.
inline constexpr const char* kManagedBySelector = "app.kubernetes.io/managed-by=retrain";

struct JobManifestOptions {
  std::string namespace_ = "default";
  std::string image = "retrain-worker:latest";   // used when the model names no image
  std::string image_pull_policy;                 // "" = the cluster's default
  std::string service_account;                   // "" = the namespace's default account
  bool automount_service_account_token = false;  // the worker does not call the API server
  std::vector<std::string> command;              // container command; empty = image entrypoint
  std::vector<std::string> args;                 // container args; empty = image default
  // Resource requests and limits; "" leaves one out.
  std::string cpu_request = "500m";
  std::string memory_request = "1Gi";
  std::string cpu_limit = "2";
  std::string memory_limit = "4Gi";
  std::string ephemeral_storage_limit = "2Gi";  // also bounds the /tmp emptyDir
  int64_t ttl_seconds_after_finished = 86'400;  // < 0 leaves it out (kept forever)
  int64_t run_as_user = 65'532;                 // non-root uid/gid of the worker
};

// Checks that a job id can be used in names and label values (1-63 characters of letters,
// digits, '-', '_', '.', starting and ending alphanumeric). kInvalidArgument otherwise.
[[nodiscard]] Status ValidateJobId(const std::string& job_id);

// "ml-retrain-<model>-<8>" as described above. The job id must pass ValidateJobId.
std::string JobNameFor(const std::string& model_id, const std::string& job_id);
// "ml-retrain-<model>-<whole job id, lower-cased>", at most 63 characters.
std::string JobNameForCollision(const std::string& model_id, const std::string& job_id);
// "<job name>-token"
std::string TokenSecretName(const std::string& job_name);
// A label value for `text`: at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both
// ends ("" stays ""; other characters become '-').
std::string LabelValue(const std::string& text);

// The Job object for `spec` under `job_name`. Errors: kInvalidArgument when spec.model is null
// or the job id is unusable, kFailedPrecondition when neither the model nor the options name
// an image. The callback token is never put in the Job: RETRAINING_CALLBACK_TOKEN comes from
// the Secret TokenSecretName(job_name) by secretKeyRef; every other spec.env entry is a plain
// value, in name order.
[[nodiscard]] Result<nlohmann::json> BuildJobManifest(const ExecSpec& spec,
                                                      const std::string& job_name,
                                                      const JobManifestOptions& options);

// The Secret holding spec.callback_token under key "token". With a non-empty `owner_uid` it
// carries an ownerReference to the Job, so the garbage collector deletes it with the Job.
[[nodiscard]] nlohmann::json BuildTokenSecret(const ExecSpec& spec, const std::string& job_name,
                                              const std::string& namespace_,
                                              const std::string& owner_uid);

// What a Job's status says: Complete=True -> kSucceeded; Failed=True -> kFailed with
// "Kubernetes Job X failed (Reason): message"; otherwise kRunning.
ExecObservation ObservationFromJob(const nlohmann::json& job);

}  // namespace retrain
