#pragma once
// The REST API and the GraphQL handler over the orchestrator fixture (real SQLite store and
// embedded feed on temp files, fake executor, simulated time): requests go straight to
// RestApi::Handle, no socket.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "../orchestrator/orchestrator_test_util.h"
#include "api/graphql_api.h"
#include "api/rest_api.h"

namespace retrain::testing {

class ApiTest : public OrchestratorTest {
 protected:
  // The API over one model "m" (minRecords 3), with a model registry when given.
  void BuildApi(std::shared_ptr<const TokenSet> tokens = nullptr, bool metrics_public = true,
                ModelRegistry* registry = nullptr) {
    Build({MakeModel("m", 3)}, /*callback_auth=*/true, /*tracker=*/nullptr, registry);
    RestApiOptions o;
    o.version = "test";
    o.tokens = std::move(tokens);
    o.metrics_public = metrics_public;
    o.graphql = MakeGraphqlHandler(*orch_, *store_);
    api_ = std::make_unique<RestApi>(o, *orch_, *store_, *feed_, metrics_, clock_);
  }

  void TearDown() override {
    api_.reset();
    OrchestratorTest::TearDown();
  }

  // `target` is a path with an optional query ("/retraining/jobs?limit=2"); a body is sent as
  // application/json unless a content-type header is given.
  Response Call(const std::string& method, const std::string& target, const std::string& body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = method;
    r.target = target;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) {
      std::string rest = target.substr(q + 1);
      size_t start = 0;
      while (start <= rest.size()) {
        size_t amp = rest.find('&', start);
        std::string item =
            rest.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        size_t eq = item.find('=');
        if (!item.empty()) {
          r.query.emplace_back(item.substr(0, eq),
                               eq == std::string::npos ? "" : item.substr(eq + 1));
        }
        if (amp == std::string::npos) break;
        start = amp + 1;
      }
    }
    bool has_type = false;
    for (const auto& [k, v] : headers) has_type = has_type || k == "content-type";
    if (!body.empty() && !has_type) headers.emplace_back("content-type", "application/json");
    r.headers = std::move(headers);
    r.body = body;
    r.remote_address = "127.0.0.1";
    return api_->Handle(r);
  }

  static nlohmann::json Json(const Response& r) {
    return nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  }

  static std::string Header(const Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }

  std::unique_ptr<RestApi> api_;
};

}  // namespace retrain::testing
