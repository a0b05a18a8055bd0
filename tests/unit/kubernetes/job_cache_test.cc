// JobCache against a scripted API server: what a relist after 410 Gone concludes about Jobs
// that vanished meanwhile, and how DELETED events and the executor's own deletes are told apart.

#include "exec/kubernetes/job_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "scripted_server.h"

namespace retrain {
namespace {

using json = nlohmann::json;
using testing_support::Chunked;
using testing_support::Response;
using testing_support::ScriptedServer;

json Job(const std::string& id, const std::string& uid, const std::string& rv,
         const std::string& condition = "") {
  json j = {{"metadata",
             {{"name", "ml-retrain-m-" + id},
              {"uid", uid},
              {"resourceVersion", rv},
              {"labels", {{"retrain.dev/job-id", id}, {"retrain.dev/attempt", "1"}}}}},
            {"status", json::object()}};
  if (!condition.empty())
    j["status"]["conditions"] = {{{"type", condition}, {"status", "True"}, {"reason", "R"}}};
  return j;
}

std::string List(const std::vector<json>& items, const std::string& rv) {
  return json{{"kind", "JobList"}, {"metadata", {{"resourceVersion", rv}}}, {"items", items}}.dump();
}

std::string Event(const std::string& type, const json& obj) {
  return json{{"type", type}, {"object", obj}}.dump() + "\n";
}

bool WaitFor(const std::function<bool()>& pred) {
  for (int i = 0; i < 200 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return pred();
}

struct CacheFixture {
  ScriptedServer server;
  std::unique_ptr<KubeClient> client;
  std::unique_ptr<JobCache> cache;
  CacheFixture() {
    KubeConfig cfg;
    cfg.server = server.url();
    KubeClientOptions o;
    o.max_attempts = 1;
    client = std::move(*KubeClient::Create(cfg, o));
    cache = std::make_unique<JobCache>(*client, "ml", 1, 20);
  }
};

TEST(JobCache, RelistAfterGoneFailsJobsThatVanishedUnfinished) {
  CacheFixture f;
  f.server.Add(Response(200, List({Job("a", "u-a", "10"), Job("b", "u-b", "11", "Complete")}, "11")));
  f.server.Add(Chunked({R"({"type":"ERROR","object":{"kind":"Status","code":410}})" "\n"}));
  f.server.Add(Response(200, List({}, "30")));  // both Jobs are gone when we look again
  ASSERT_TRUE(f.cache->Relist().has_value());
  EXPECT_EQ(f.cache->Find("a")->observation.phase, ExecPhase::kRunning);
  f.cache->Start();
  ASSERT_TRUE(WaitFor([&] { return f.cache->relists() == 1; }));
  auto a = f.cache->Find("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->gone);
  EXPECT_EQ(a->observation.phase, ExecPhase::kFailed);
  EXPECT_EQ(a->observation.message, "Kubernetes Job ml-retrain-m-a was deleted outside retrain");
  EXPECT_EQ(f.cache->Find("b")->observation.phase, ExecPhase::kSucceeded) << "TTL clean-up";
  EXPECT_EQ(f.cache->resource_version(), "30");
  f.cache->Stop();
  auto reqs = f.server.requests();
  ASSERT_GE(reqs.size(), 3u);
  EXPECT_NE(reqs[1].find("resourceVersion=11"), std::string::npos) << reqs[1];
}

TEST(JobCache, EventsUpdateAndOwnDeletesAreForgotten) {
  CacheFixture f;
  f.server.Add(Response(200, List({Job("a", "u-a", "10"), Job("c", "u-c", "12")}, "12")));
  f.server.Add(Chunked({Event("MODIFIED", Job("a", "u-a", "13", "Failed")),
                        Event("DELETED", Job("c", "u-c", "14")),
                        Event("ADDED", Job("d", "u-d", "15"))}));
  ASSERT_TRUE(f.cache->Relist().has_value());
  f.cache->Forget("c", "u-c");  // the executor deletes c itself
  f.cache->Start();
  ASSERT_TRUE(WaitFor([&] { return f.cache->Find("d").has_value(); }));
  f.cache->Stop();
  EXPECT_EQ(f.cache->Find("a")->observation.phase, ExecPhase::kFailed);
  EXPECT_FALSE(f.cache->Find("c").has_value()) << "own delete is not an outside deletion";
  EXPECT_EQ(f.cache->CountRunning(""), 1);  // d
  EXPECT_EQ(f.cache->resource_version(), "15");
}

TEST(JobCache, StaleCopiesAndOlderAttemptsDoNotOverwrite) {
  CacheFixture f;
  f.server.Add(Response(200, List({}, "1")));
  ASSERT_TRUE(f.cache->Relist().has_value());
  f.cache->Put(Job("a", "u-a", "20", "Complete"));
  f.cache->Put(Job("a", "u-a", "19"));  // an older read of the same Job
  EXPECT_EQ(f.cache->Find("a")->observation.phase, ExecPhase::kSucceeded);
  json attempt2 = Job("a", "u-a2", "30");
  attempt2["metadata"]["labels"]["retrain.dev/attempt"] = "2";
  f.cache->Put(attempt2);
  f.cache->Put(Job("a", "u-a", "31", "Failed"));  // late event of attempt 1
  EXPECT_EQ(f.cache->Find("a")->uid, "u-a2");
  EXPECT_EQ(f.cache->Find("a")->observation.phase, ExecPhase::kRunning);
}

}  // namespace
}  // namespace retrain
