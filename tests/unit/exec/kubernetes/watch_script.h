#pragma once
// Helpers for unit tests of the watched collections (JobCache, PodWatch) against a
// ScriptedServer: List and watch-event bodies, a client of the server, waiting with a bound.

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "exec/kubernetes/kube_client.h"
#include "scripted_server.h"

namespace retrain::testing_support {

// A List object of `kind` ("JobList", "PodList") at resourceVersion `rv`.
inline std::string ListBody(const std::string& kind, const std::vector<nlohmann::json>& items,
                            const std::string& rv) {
  return nlohmann::json{{"kind", kind}, {"metadata", {{"resourceVersion", rv}}}, {"items", items}}
      .dump();
}

// One line of a watch stream.
inline std::string WatchEvent(const std::string& type, const nlohmann::json& obj) {
  return nlohmann::json{{"type", type}, {"object", obj}}.dump() + "\n";
}

// Polls `pred` every 10 ms for up to 2 s.
inline bool WaitUntil(const std::function<bool()>& pred) {
  for (int i = 0; i < 200 && !pred(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return pred();
}

// A client of `server` that does not retry.
inline std::unique_ptr<KubeClient> ClientOf(const ScriptedServer& server) {
  KubeConfig cfg;
  cfg.server = server.url();
  KubeClientOptions o;
  o.max_attempts = 1;
  return std::move(*KubeClient::Create(cfg, o));
}

// A watched collection (JobCache, PodWatch) in namespace "ml" of a scripted server, with 1 s
// watches and a 20 ms retry pause.
template <typename Collection>
struct ScriptedCollection {
  ScriptedServer server;
  std::unique_ptr<KubeClient> client = ClientOf(server);
  std::unique_ptr<Collection> watched = std::make_unique<Collection>(*client, "ml", 1, 20);
};

}  // namespace retrain::testing_support
