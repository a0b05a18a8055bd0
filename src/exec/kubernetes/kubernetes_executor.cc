#include "exec/kubernetes/kubernetes_executor.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "exec/kubernetes/job_cache.h"
#include "exec/kubernetes/kube_object.h"
#include "exec/kubernetes/pod_watch.h"

namespace retrain {

using json = nlohmann::json;

namespace {

// api_code of the internal error that makes Submit retry under the collision-proof name.
constexpr const char* kNameTaken = "kubernetes_name_taken";

std::string FromEnv(const std::map<std::string, std::string>& env, const char* key) {
  auto it = env.find(key);
  return it == env.end() ? "" : it->second;
}

bool ManagedByRetrain(const json& obj) { return LabelOf(obj, kManagedByLabel) == kManagedByValue; }

Status IgnoreNotFound(Status s) {
  if (!s && (s.error().code == ErrorCode::kNotFound || s.error().code == ErrorCode::kAborted))
    return {};
  return s;
}

}  // namespace

struct KubernetesExecutor::State {
  KubernetesExecutorOptions options;
  std::string ns;
  std::unique_ptr<KubeClient> client;
  std::unique_ptr<JobCache> cache;  // after client: stops (and is destroyed) before it
  std::unique_ptr<PodWatch> pods;   // likewise
  std::mutex submit_mu;             // one Submit/Cancel at a time keeps create-or-adopt simple

  ~State() {
    if (pods) pods->Stop();
    if (cache) cache->Stop();
  }

  Result<SubmitResult> SubmitAs(const ExecSpec& spec, const std::string& name);
  Status EnsureSecret(const ExecSpec& spec, const std::string& name, const std::string& uid);
  Status DeleteJobAndSecret(const std::string& job_id, const std::string& name,
                            const std::string& uid);
};

Result<std::unique_ptr<KubernetesExecutor>> KubernetesExecutor::Create(
    KubernetesExecutorOptions options) {
  KubeConfig config;
  if (options.kube_config) {
    config = *options.kube_config;
  } else {
    auto loaded = LoadKubeConfigAuto(options.kubeconfig_path, options.env);
    if (!loaded) return std::unexpected(loaded.error());
    config = std::move(*loaded);
  }
  if (options.namespace_.empty()) options.namespace_ = FromEnv(options.env, "RETRAINING_NAMESPACE");
  if (options.namespace_.empty()) options.namespace_ = "default";
  if (options.image.empty()) options.image = FromEnv(options.env, "RETRAINING_IMAGE");
  if (!options.image.empty()) options.manifest.image = options.image;
  if (options.service_account.empty())
    options.service_account = FromEnv(options.env, "RETRAINING_SERVICE_ACCOUNT");
  options.manifest.service_account = options.service_account;
  options.manifest.namespace_ = options.namespace_;
  if (options.watch_timeout_s < 1) options.watch_timeout_s = 1;

  auto client = KubeClient::Create(std::move(config), options.client);
  if (!client) return std::unexpected(client.error());

  auto state = std::make_unique<State>();
  state->ns = options.namespace_;
  state->client = std::move(*client);
  state->cache = std::make_unique<JobCache>(*state->client, state->ns, options.watch_timeout_s,
                                            options.watch_retry_ms);
  state->pods = std::make_unique<PodWatch>(*state->client, state->ns, options.watch_timeout_s,
                                           options.watch_retry_ms);
  state->options = std::move(options);
  if (auto s = state->cache->Relist(); !s) return std::unexpected(s.error());
  state->cache->Start();
  state->pods->Begin();
  return std::unique_ptr<KubernetesExecutor>(new KubernetesExecutor(std::move(state)));
}

KubernetesExecutor::KubernetesExecutor(std::unique_ptr<State> state) : state_(std::move(state)) {}
KubernetesExecutor::~KubernetesExecutor() = default;

const std::string& KubernetesExecutor::job_namespace() const { return state_->ns; }

Result<SubmitResult> KubernetesExecutor::Submit(const ExecSpec& spec) {
  if (spec.model == nullptr)
    return Fail(ErrorCode::kInvalidArgument, "job " + spec.job_id + " has no model settings");
  if (auto s = ValidateJobId(spec.job_id); !s) return std::unexpected(s.error());
  std::lock_guard lock(state_->submit_mu);
  if (auto cached = state_->cache->Find(spec.job_id);
      cached && !cached->gone && cached->attempt >= spec.attempt) {
    return SubmitResult{cached->name, state_->ns};  // already running (or finished) here
  }
  int max_active = state_->options.max_active;
  if (max_active > 0 && state_->cache->CountRunning(spec.job_id) >= max_active)
    return Fail(ErrorCode::kResourceExhausted,
                std::to_string(max_active) + " Kubernetes Jobs are already running in namespace " +
                    state_->ns + "; job " + spec.job_id + " waits for one to finish");
  auto r = state_->SubmitAs(spec, JobNameFor(spec.model->id, spec.job_id));
  if (!r && r.error().api_code == kNameTaken)
    r = state_->SubmitAs(spec, JobNameForCollision(spec.model->id, spec.job_id));
  return r;
}

Result<SubmitResult> KubernetesExecutor::State::SubmitAs(const ExecSpec& spec,
                                                         const std::string& name) {
  auto manifest = BuildJobManifest(spec, name, options.manifest);
  if (!manifest) return std::unexpected(manifest.error());
  json job;
  auto created = client->CreateObject(kJobsResource, ns, *manifest);
  if (created) {
    job = std::move(*created);
  } else if (created.error().code != ErrorCode::kAlreadyExists) {
    return std::unexpected(created.error());
  } else {
    auto existing = client->GetObject(kJobsResource, ns, name);
    if (!existing) {
      if (existing.error().code == ErrorCode::kNotFound)
        return Fail(ErrorCode::kUnavailable,
                    "Kubernetes Job " + name + " was deleted while being adopted; retry");
      return std::unexpected(existing.error());
    }
    if (!ManagedByRetrain(*existing))
      return Fail(ErrorCode::kFailedPrecondition,
                  "Kubernetes Job " + name + " already exists in namespace " + ns +
                      " and is not managed by retrain (no label " + kManagedBySelector +
                      "); delete or rename it");
    if (LabelOf(*existing, kJobIdLabel) != spec.job_id) {
      Error e{
          ErrorCode::kAlreadyExists,
          kNameTaken,
          "Kubernetes Job " + name + " belongs to retrain job " + LabelOf(*existing, kJobIdLabel),
          {}};
      return std::unexpected(e);
    }
    if (AttemptOf(*existing) < spec.attempt) {
      // An earlier attempt's Job holds the name: replace it with this attempt's.
      std::string old_uid = MetaOf(*existing, "uid");
      cache->Forget(spec.job_id, old_uid);
      if (auto s = IgnoreNotFound(client->DeleteObject(kJobsResource, ns, name, old_uid)); !s)
        return std::unexpected(s.error());
      auto again = client->CreateObject(kJobsResource, ns, *manifest);
      if (!again) {
        if (again.error().code == ErrorCode::kAlreadyExists)
          return Fail(ErrorCode::kUnavailable, "the previous attempt's Kubernetes Job " + name +
                                                   " is still being deleted; retry");
        return std::unexpected(again.error());
      }
      job = std::move(*again);
    } else {
      job = std::move(*existing);  // adopt: this attempt (or a newer one) already exists
    }
  }
  if (auto s = EnsureSecret(spec, name, MetaOf(job, "uid")); !s) return std::unexpected(s.error());
  cache->Put(job);
  return SubmitResult{name, ns};
}

Status KubernetesExecutor::State::EnsureSecret(const ExecSpec& spec, const std::string& name,
                                               const std::string& uid) {
  json secret = BuildTokenSecret(spec, name, ns, uid);
  auto created = client->CreateObject(kSecretsResource, ns, secret);
  if (created) return {};
  if (created.error().code != ErrorCode::kAlreadyExists) return std::unexpected(created.error());
  std::string secret_name = TokenSecretName(name);
  auto existing = client->GetObject(kSecretsResource, ns, secret_name);
  if (!existing) return std::unexpected(existing.error());
  if (!ManagedByRetrain(*existing) || LabelOf(*existing, kJobIdLabel) != spec.job_id)
    return Fail(ErrorCode::kFailedPrecondition,
                "Secret " + secret_name + " already exists in namespace " + ns +
                    " and does not belong to retrain job " + spec.job_id + "; delete it");
  // Same job: make it carry this attempt's token and the current Job as its owner.
  json patch = {{"metadata",
                 {{"labels", secret["metadata"]["labels"]},
                  {"ownerReferences", secret["metadata"]["ownerReferences"]}}},
                {"stringData", secret["stringData"]}};
  auto patched =
      client->PatchObject(kSecretsResource, ns, secret_name, patch, "application/merge-patch+json");
  if (!patched) return std::unexpected(patched.error());
  return {};
}

Result<ExecObservation> KubernetesExecutor::Observe(const std::string& job_id) {
  auto cached = state_->cache->Find(job_id);
  if (!cached) return ExecObservation{ExecPhase::kUnknown, ""};
  if (!cached->gone && cached->observation.phase == ExecPhase::kRunning) {
    if (auto stuck = state_->pods->Failure(job_id, cached->attempt))
      return ExecObservation{ExecPhase::kFailed, stuck->Describe()};
  }
  return cached->observation;
}

Status KubernetesExecutor::State::DeleteJobAndSecret(const std::string& job_id,
                                                     const std::string& name,
                                                     const std::string& uid) {
  cache->Forget(job_id, uid);
  if (auto s = IgnoreNotFound(client->DeleteObject(kJobsResource, ns, name, uid)); !s) return s;
  return IgnoreNotFound(client->DeleteObject(kSecretsResource, ns, TokenSecretName(name)));
}

Status KubernetesExecutor::Ping() {
  auto resp = state_->client->Raw("GET", "/version", "", "");
  if (!resp) return std::unexpected(resp.error());
  if (resp->status >= 500) {
    return Fail(ErrorCode::kUnavailable,
                "the Kubernetes API server answered GET /version with HTTP " +
                    std::to_string(resp->status));
  }
  return {};
}

Status KubernetesExecutor::Cancel(const std::string& job_id) {
  if (!ValidateJobId(job_id)) return {};  // no Job can carry such an id
  std::lock_guard lock(state_->submit_mu);
  std::map<std::string, std::string> jobs;  // name -> uid
  if (auto cached = state_->cache->Find(job_id); cached && !cached->gone)
    jobs[cached->name] = cached->uid;
  std::string selector = std::string(kManagedBySelector) + "," + kJobIdLabel + "=" + job_id;
  auto list = state_->client->ListObjects(kJobsResource, state_->ns, selector);
  if (!list) return std::unexpected(list.error());
  for (const auto& item : (*list)["items"]) jobs[MetaOf(item, "name")] = MetaOf(item, "uid");
  for (const auto& [name, uid] : jobs) {
    if (auto s = state_->DeleteJobAndSecret(job_id, name, uid); !s) return s;
  }
  state_->cache->Forget(job_id, "");
  return {};
}

Result<std::vector<std::string>> KubernetesExecutor::ListOrphans(
    const std::function<bool(const std::string& job_id)>& known) {
  auto list = state_->client->ListObjects(kJobsResource, state_->ns, kManagedBySelector);
  if (!list) return std::unexpected(list.error());
  std::set<std::string> orphans;
  std::vector<std::tuple<std::string, std::string, std::string>> to_delete;  // id, name, uid
  for (const auto& item : (*list)["items"]) {
    std::string id = LabelOf(item, kJobIdLabel);
    if (id.empty() || known(id)) continue;
    orphans.insert(id);
    to_delete.emplace_back(id, MetaOf(item, "name"), MetaOf(item, "uid"));
  }
  std::lock_guard lock(state_->submit_mu);
  for (const auto& [id, name, uid] : to_delete) {
    if (auto s = state_->DeleteJobAndSecret(id, name, uid); !s) return std::unexpected(s.error());
  }
  return std::vector<std::string>(orphans.begin(), orphans.end());
}

KubernetesExecutorStats KubernetesExecutor::Stats() const {
  return {state_->cache->relists(), state_->cache->watches(), state_->cache->watch_errors(),
          state_->cache->resource_version(), state_->pods->enabled()};
}

}  // namespace retrain
