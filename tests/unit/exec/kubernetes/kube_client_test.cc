// KubeClient against a scripted loopback HTTP server (a fake: each connection gets the next
// canned raw response), covering retries, error mapping and watch-stream parsing.

#include "exec/kubernetes/kube_client.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "scripted_server.h"

namespace retrain {
namespace {

using json = nlohmann::json;
using testing_support::Chunked;
using testing_support::Response;
using testing_support::ScriptedServer;

struct ClientFixture {
  ScriptedServer server;
  std::vector<int64_t> sleeps;
  std::unique_ptr<KubeClient> client;
  ClientFixture() {
    KubeConfig cfg;
    cfg.server = server.url();
    cfg.token = "tok";
    KubeClientOptions o;
    o.max_attempts = 3;
    o.initial_backoff_ms = 100;
    o.sleep = [this](int64_t ms) { sleeps.push_back(ms); };
    client = std::move(*KubeClient::Create(cfg, o));
  }
};

TEST(KubeClient, RetriesServerErrorsWithBackoffAndRetryAfter) {
  ClientFixture f;
  f.server.Add(Response(503, R"({"kind":"Status","message":"etcd leader changed"})"));
  f.server.Add(Response(429, R"({"kind":"Status","message":"slow down"})", "Retry-After: 2\r\n"));
  f.server.Add(Response(200, R"({"kind":"Job","metadata":{"name":"j"}})"));
  auto r = f.client->GetObject(kJobsResource, "ml", "j");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ((*r)["metadata"]["name"], "j");
  ASSERT_EQ(f.sleeps.size(), 2u);
  EXPECT_GE(f.sleeps[0], 50);
  EXPECT_LE(f.sleeps[0], 100);
  EXPECT_GE(f.sleeps[1], 1000) << "Retry-After: 2 s (capped, with jitter) is honoured";
  auto reqs = f.server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_TRUE(reqs[0].starts_with("GET /apis/batch/v1/namespaces/ml/jobs/j HTTP/1.1"));
  EXPECT_NE(reqs[0].find("Authorization: Bearer tok"), std::string::npos);
}

TEST(KubeClient, GivesUpAfterMaxAttempts) {
  ClientFixture f;
  for (int i = 0; i < 3; ++i) f.server.Add(Response(500, "{}"));
  auto r = f.client->GetObject(kJobsResource, "ml", "j");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(f.server.requests().size(), 3u);
}

TEST(KubeClient, ForbiddenNamesVerbResourceAndNamespace) {
  ClientFixture f;
  f.server.Add(Response(
      403,
      R"({"kind":"Status","reason":"Forbidden","message":"jobs.batch is forbidden: User \"u\" cannot create resource \"jobs\""})"));
  auto r = f.client->CreateObject(kJobsResource, "ml", json{{"kind", "Job"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(
      r.error().message.starts_with("Kubernetes denied create on jobs.batch in namespace ml"))
      << r.error().message;
  EXPECT_NE(r.error().message.find("cannot create resource"), std::string::npos);
  EXPECT_EQ(f.server.requests().size(), 1u) << "403 is not retried";
}

TEST(KubeClient, ConflictCodes) {
  ClientFixture f;
  f.server.Add(Response(409, R"({"kind":"Status","reason":"AlreadyExists","message":"exists"})"));
  f.server.Add(Response(409, R"({"kind":"Status","reason":"Conflict","message":"modified"})"));
  f.server.Add(Response(404, R"({"kind":"Status","reason":"NotFound","message":"gone"})"));
  EXPECT_EQ(f.client->CreateObject(kSecretsResource, "ml", json::object()).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(f.client->CreateObject(kSecretsResource, "ml", json::object()).error().code,
            ErrorCode::kAborted);
  auto d = f.client->DeleteObject(kSecretsResource, "ml", "s");
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kNotFound);
  auto reqs = f.server.requests();
  EXPECT_TRUE(reqs[2].starts_with("DELETE /api/v1/namespaces/ml/secrets/s"));
  EXPECT_NE(reqs[2].find(R"("propagationPolicy":"Background")"), std::string::npos);
}

TEST(KubeClient, WatchParsesEventsSplitAcrossChunks) {
  ClientFixture f;
  std::string e1 = R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}})";
  std::string e2 = R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})";
  f.server.Add(
      Chunked({e1.substr(0, 10), e1.substr(10) + "\n" + e2.substr(0, 5), e2.substr(5) + "\n"}));
  std::vector<std::string> seen;
  auto end = f.client->Watch(
      kJobsResource, "ml", "a=b", "4", 30, [&](const std::string& type, const json& obj) {
        seen.push_back(type + ":" + obj["metadata"]["resourceVersion"].get<std::string>());
        return true;
      });
  ASSERT_TRUE(end.has_value()) << end.error().message;
  EXPECT_EQ(*end, WatchEnd::kTimeout);
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED:5", "BOOKMARK:9"}));
  std::string req = f.server.requests()[0];
  EXPECT_NE(req.find("watch=true"), std::string::npos);
  EXPECT_NE(req.find("resourceVersion=4"), std::string::npos);
  EXPECT_NE(req.find("labelSelector=a%3Db"), std::string::npos);
  EXPECT_NE(req.find("allowWatchBookmarks=true"), std::string::npos);
}

TEST(KubeClient, WatchExpiryAsEventOrStatus) {
  ClientFixture f;
  f.server.Add(
      Chunked({R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})"
               "\n"}));
  f.server.Add(Response(410, R"({"kind":"Status","code":410,"reason":"Gone"})"));
  auto noop = [](const std::string&, const json&) { return true; };
  EXPECT_EQ(*f.client->Watch(kJobsResource, "ml", "", "1", 30, noop), WatchEnd::kExpired);
  EXPECT_EQ(*f.client->Watch(kJobsResource, "ml", "", "1", 30, noop), WatchEnd::kExpired);
}

TEST(KubeClient, DroppedWatchIsAnError) {
  ClientFixture f;
  f.server.Add(Chunked({R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})"
                        "\n"},
                       /*terminate=*/false));
  f.server.Add(Response(403, R"({"kind":"Status","message":"no watch for you"})"));
  int events = 0;
  auto count = [&](const std::string&, const json&) { return ++events > 0; };
  auto dropped = f.client->Watch(kJobsResource, "ml", "", "1", 30, count);
  ASSERT_FALSE(dropped.has_value());
  EXPECT_EQ(dropped.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(events, 1);
  auto denied = f.client->Watch(kJobsResource, "ml", "", "1", 30, count);
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(denied.error().message.find("watch on jobs.batch in namespace ml"), std::string::npos);
  EXPECT_EQ(events, 1);
}

}  // namespace
}  // namespace retrain
