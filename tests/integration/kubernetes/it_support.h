#pragma once
// Shared helpers of the Kubernetes integration tests: the fixture's kubeconfigs (from the
// environment set by tests/integration/kubernetes/run), an admin client, a fresh namespace per
// test, and waiting with a deadline.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/ids.h"
#include "exec/kubernetes/kube_client.h"
#include "exec/kubernetes/kube_config.h"

namespace retrain::it {

inline const KubeResource kNamespaces{"/api/v1", "namespaces", ""};

inline std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

inline std::string AdminKubeconfig() { return Env("RETRAIN_K8S_ADMIN_KUBECONFIG"); }
inline std::string RestrictedKubeconfig() { return Env("RETRAIN_K8S_RESTRICTED_KUBECONFIG"); }

inline std::unique_ptr<KubeClient> AdminClient() {
  auto cfg = LoadKubeconfig(AdminKubeconfig(), {});
  if (!cfg) {
    ADD_FAILURE() << cfg.error().message;
    return nullptr;
  }
  KubeClientOptions o;
  o.max_attempts = 3;
  auto c = KubeClient::Create(*cfg, o);
  if (!c) {
    ADD_FAILURE() << c.error().message;
    return nullptr;
  }
  return std::move(*c);
}

// Polls `pred` every 50 ms until it holds or `timeout_ms` passes.
inline bool WaitFor(const std::function<bool()>& pred, int64_t timeout_ms = 15'000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

// A namespace created for one test and deleted afterwards.
class TestNamespace {
 public:
  explicit TestNamespace(const KubeClient& admin) : admin_(admin) {
    name_ = "it-" + RandomHex(4);
    nlohmann::json ns = {
        {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name_}}}};
    auto r = admin_.CreateObject(kNamespaces, "", ns);
    if (!r) ADD_FAILURE() << r.error().message;
  }
  ~TestNamespace() { (void)admin_.DeleteObject(kNamespaces, "", name_); }
  const std::string& name() const { return name_; }

 private:
  const KubeClient& admin_;
  std::string name_;
};

}  // namespace retrain::it
