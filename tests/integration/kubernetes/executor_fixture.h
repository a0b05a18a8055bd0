#pragma once
// The fixture of the KubernetesExecutor integration tests: a fresh namespace per test, an
// executor on the admin (or restricted) identity, job specs, and the Job controller's part
// (PATCHing a Job's /status), since the test API server runs no controllers.

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/ids.h"
#include "exec/kubernetes/job_manifest.h"
#include "exec/kubernetes/kubernetes_executor.h"
#include "it_support.h"

namespace retrain::it {

using json = nlohmann::json;

inline const KubeResource kConfigMaps{"/api/v1", "configmaps", ""};
inline const KubeResource kRoles{"/apis/rbac.authorization.k8s.io/v1", "roles",
                                 "rbac.authorization.k8s.io"};
inline const KubeResource kRoleBindings{"/apis/rbac.authorization.k8s.io/v1", "rolebindings",
                                        "rbac.authorization.k8s.io"};

class ExecutorIT : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(AdminKubeconfig().empty()) << "run through tests/integration/kubernetes/run";
    admin_ = AdminClient();
    ASSERT_NE(admin_, nullptr);
    ns_ = std::make_unique<TestNamespace>(*admin_);
    model_.id = "threat-scorer";
    model_.image = "registry.example/retrain-worker:test";
  }

  std::unique_ptr<KubernetesExecutor> NewExecutor(const std::string& kubeconfig = "",
                                                  int watch_timeout_s = 2) {
    KubernetesExecutorOptions o;
    o.kubeconfig_path = kubeconfig.empty() ? AdminKubeconfig() : kubeconfig;
    o.namespace_ = ns_->name();
    o.watch_timeout_s = watch_timeout_s;
    o.watch_retry_ms = 200;
    o.client.max_attempts = 2;
    auto e = KubernetesExecutor::Create(o);
    if (!e) {
      ADD_FAILURE() << e.error().message;
      return nullptr;
    }
    return std::move(*e);
  }

  ExecSpec Spec(const std::string& job_id, int attempt = 1) {
    ExecSpec s;
    s.job_id = job_id;
    s.attempt = attempt;
    s.model = &model_;
    s.callback_token = "token-" + job_id;
    s.timeout_ms = 600'000;
    s.env = {{"MODEL_ID", model_.id}, {"RETRAINING_JOB_ID", job_id}, {"MLFLOW_RUN_ID", "run-1"}};
    return s;
  }

  std::string Name(const std::string& job_id) { return JobNameFor(model_.id, job_id); }

  Result<json> GetJob(const std::string& name) {
    return admin_->GetObject(kJobsResource, ns_->name(), name);
  }

  void PatchStatus(const std::string& name, bool success, const std::string& reason = "",
                   const std::string& message = "") {
    json status;
    if (success) {
      status = {{"startTime", "2026-01-01T00:00:00Z"},
                {"completionTime", "2026-01-01T00:01:00Z"},
                {"active", 0},
                {"succeeded", 1},
                {"conditions",
                 {{{"type", "SuccessCriteriaMet"},
                   {"status", "True"},
                   {"reason", "CompletionsReached"},
                   {"message", "test"}},
                  {{"type", "Complete"},
                   {"status", "True"},
                   {"reason", "CompletionsReached"},
                   {"message", "test"}}}}};
    } else {
      status = {
          {"startTime", "2026-01-01T00:00:00Z"},
          {"active", 0},
          {"failed", 1},
          {"conditions",
           {{{"type", "FailureTarget"},
             {"status", "True"},
             {"reason", reason},
             {"message", message}},
            {{"type", "Failed"}, {"status", "True"}, {"reason", reason}, {"message", message}}}}};
    }
    auto r = admin_->PatchObject(kJobsResource, ns_->name(), name, json{{"status", status}},
                                 "application/merge-patch+json", "status");
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  // Binds a Role with `rules` in the test namespace to the restricted identity.
  void GrantRestricted(const std::string& name, const json& rules) {
    json role = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                 {"kind", "Role"},
                 {"metadata", {{"name", name}}},
                 {"rules", rules}};
    json binding = {
        {"apiVersion", "rbac.authorization.k8s.io/v1"},
        {"kind", "RoleBinding"},
        {"metadata", {{"name", name}}},
        {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", name}}},
        {"subjects",
         {{{"apiGroup", "rbac.authorization.k8s.io"},
           {"kind", "User"},
           {"name", "retrain-restricted"}}}}};
    auto r = admin_->CreateObject(kRoles, ns_->name(), role);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    r = admin_->CreateObject(kRoleBindings, ns_->name(), binding);
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  // An executor on the restricted identity, retried for a few seconds while fresh RBAC grants
  // reach the authorizer; null when it never starts.
  std::unique_ptr<KubernetesExecutor> NewRestrictedExecutor() {
    std::unique_ptr<KubernetesExecutor> exec;
    WaitFor(
        [&] {
          KubernetesExecutorOptions o;
          o.kubeconfig_path = RestrictedKubeconfig();
          o.namespace_ = ns_->name();
          o.watch_timeout_s = 1;
          o.watch_retry_ms = 200;
          auto e = KubernetesExecutor::Create(o);
          if (e) exec = std::move(*e);
          return exec != nullptr;
        },
        5'000);
    return exec;
  }

  ExecPhase PhaseOf(KubernetesExecutor& e, const std::string& job_id) {
    auto o = e.Observe(job_id);
    return o ? o->phase : ExecPhase::kUnknown;
  }

  std::unique_ptr<KubeClient> admin_;
  std::unique_ptr<TestNamespace> ns_;
  ModelSettings model_;
};

}  // namespace retrain::it
