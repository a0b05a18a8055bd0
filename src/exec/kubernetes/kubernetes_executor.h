#pragma once
// The Kubernetes executor: runs each job attempt as a batch/v1 Job (see job_manifest.h for the
// objects) in one namespace, through the API server's REST interface.
//
// Status comes from ONE watch on app.kubernetes.io/managed-by=retrain in the namespace, run by
// a background thread that keeps a cache keyed by job id; Observe reads only that cache. The
// watch resumes from the last resourceVersion when the server ends or drops it, and relists
// when the server answers 410 Gone. At start-up a list fills the cache, so Jobs created before
// a restart are adopted: Observe reports them and Submit of the same attempt does not create a
// second Job. A second watch of the same kind follows the worker pods (pod_watch.h), so an
// attempt whose pod can never start (bad image, missing Secret) fails at once with the pod's
// reason rather than at its deadline.
//
// The callback token lives in a Secret `<job name>-token`, created right after the Job with an
// ownerReference to it, so the garbage collector deletes it with the Job (TTL or anyone's
// delete) and no Secret ever exists without its Job; Cancel and ListOrphans delete it
// explicitly as well. The pod references it by secretKeyRef (the kubelet waits for it). The
// token is never logged and never appears in the Job.
//
// RBAC the executor needs in its namespace: jobs create/get/list/watch/delete, secrets
// create/get/patch/delete, pods get/list/watch (deploy/kubernetes/base/rbac.yaml). It never lists
// or reads other Secrets. Without the pods permissions it logs one warning and works on without
// detecting pods that cannot start.
//
// Thread safety: every public method may be called from any thread. Destruction stops the
// watch thread; it may block for up to watch_timeout_s while an open watch winds down.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "exec/executor.h"
#include "exec/kubernetes/job_manifest.h"
#include "exec/kubernetes/kube_client.h"
#include "exec/kubernetes/kube_config.h"

namespace retrain {

struct KubernetesExecutorOptions {
  // Where the API server is: `kube_config` when set; else `kubeconfig_path` when set; else
  // in-cluster when KUBERNETES_SERVICE_HOST is in `env`; else KUBECONFIG / ~/.kube/config.
  std::optional<KubeConfig> kube_config;
  std::string kubeconfig_path;
  // The environment used for discovery and for RETRAINING_NAMESPACE, RETRAINING_IMAGE and
  // RETRAINING_SERVICE_ACCOUNT (each applies when the matching field below is empty).
  std::map<std::string, std::string> env;
  // Namespace of the Jobs; "" = RETRAINING_NAMESPACE, else "default".
  std::string namespace_;
  // Default worker image (a model's image wins); "" = RETRAINING_IMAGE, else
  // manifest.image. Service account: "" = RETRAINING_SERVICE_ACCOUNT, else none.
  std::string image;
  std::string service_account;
  // Resources, TTL, security settings of the Job (its namespace_, image and service_account
  // are replaced by the values resolved above).
  JobManifestOptions manifest;
  KubeClientOptions client;
  int watch_timeout_s = 10;        // one watch request's length; bounds destruction time
  int64_t watch_retry_ms = 1'000;  // pause after a dropped watch or a failed relist
  int max_active = 0;              // Submit beyond this many running Jobs: kResourceExhausted
};

struct KubernetesExecutorStats {
  int64_t relists = 0;       // lists after the initial one (410 Gone or repeated failures)
  int64_t watches = 0;       // watch requests started
  int64_t watch_errors = 0;  // watches that ended with an error (dropped)
  std::string resource_version;
  bool pod_watch = false;  // pods that cannot start are detected (pods may be listed)
};

class KubernetesExecutor final : public Executor {
 public:
  // Resolves the configuration, lists the namespace's managed Jobs (the initial cache) and
  // starts the watch thread. Errors: kInvalidArgument / kNotFound (configuration),
  // kPermissionDenied / kUnauthenticated (RBAC, credentials; the message names the verb,
  // resource and namespace), kUnavailable (API server unreachable).
  [[nodiscard]] static Result<std::unique_ptr<KubernetesExecutor>> Create(
      KubernetesExecutorOptions options);

  ~KubernetesExecutor() override;
  KubernetesExecutor(const KubernetesExecutor&) = delete;
  KubernetesExecutor& operator=(const KubernetesExecutor&) = delete;

  std::string Name() const override { return "kubernetes"; }
  const std::string& job_namespace() const;  // where the Jobs are created

  // Creates the Secret and the Job of spec.attempt unless that attempt's Job exists. A Job of
  // the same name labelled with the same job id is adopted (same attempt or newer) or replaced
  // (older attempt: deleted, then created again). A name taken by another retrain job switches
  // to the collision-proof name (JobNameForCollision). Errors: kInvalidArgument (bad spec),
  // kFailedPrecondition (the name belongs to an object retrain does not manage, or no image),
  // kResourceExhausted (max_active reached), kPermissionDenied (RBAC), kUnavailable (retry).
  [[nodiscard]] Result<SubmitResult> Submit(const ExecSpec& spec) override;

  // From the cache: kRunning until the Job has Complete=True (kSucceeded) or Failed=True
  // (kFailed, "Kubernetes Job X failed (Reason): message"); kFailed "Kubernetes Job X was
  // deleted outside retrain" when someone else deleted it before it finished; kUnknown when no
  // Job of this job id was seen (or it was cancelled). While the Job has not finished, a pod of
  // its attempt that cannot start (pod_status.h) makes it kFailed "Pod P cannot start container
  // trainer: ImagePullBackOff: <kubelet message>"; the Job stays, Cancel deletes it. Never fails.
  [[nodiscard]] Result<ExecObservation> Observe(const std::string& job_id) override;

  // Deletes the job's Job(s) (propagationPolicy=Background) and token Secret(s); succeeds when
  // there is nothing to delete. Errors: kPermissionDenied, kUnavailable.
  [[nodiscard]] Status Cancel(const std::string& job_id) override;
  // GET /version on the API server: any answer below 500 is success.
  [[nodiscard]] Status Ping() override;

  // Lists (fresh from the API server) the managed Jobs and token Secrets whose job id `known`
  // does not recognise, deletes them, and returns their job ids (sorted, unique). `known` is
  // called without locks held. Errors: kPermissionDenied, kUnavailable (nothing or only part
  // was deleted; safe to call again).
  [[nodiscard]] Result<std::vector<std::string>> ListOrphans(
      const std::function<bool(const std::string& job_id)>& known);

  KubernetesExecutorStats Stats() const;

 private:
  struct State;
  explicit KubernetesExecutor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace retrain
