// JobCache against a scripted API server: what a relist after 410 Gone concludes about Jobs
// that vanished meanwhile, and how DELETED events and the executor's own deletes are told apart.

#include "exec/kubernetes/job_cache.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "watch_script.h"

namespace retrain {
namespace {

using json = nlohmann::json;
using namespace testing_support;

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

TEST(JobCache, RelistAfterGoneFailsJobsThatVanishedUnfinished) {
  ScriptedCollection<JobCache> f;
  f.server.Add(Response(
      200, ListBody("JobList", {Job("a", "u-a", "10"), Job("b", "u-b", "11", "Complete")}, "11")));
  f.server.Add(Chunked({R"({"type":"ERROR","object":{"kind":"Status","code":410}})"
                        "\n"}));
  // Both Jobs are gone when we look again.
  f.server.Add(Response(200, ListBody("JobList", {}, "30")));
  ASSERT_TRUE(f.watched->Relist().has_value());
  EXPECT_EQ(f.watched->Find("a")->observation.phase, ExecPhase::kRunning);
  f.watched->Start();
  ASSERT_TRUE(WaitUntil([&] { return f.watched->relists() == 1; }));
  auto a = f.watched->Find("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->gone);
  EXPECT_EQ(a->observation.phase, ExecPhase::kFailed);
  EXPECT_EQ(a->observation.message, "Kubernetes Job ml-retrain-m-a was deleted outside retrain");
  EXPECT_EQ(f.watched->Find("b")->observation.phase, ExecPhase::kSucceeded) << "TTL clean-up";
  EXPECT_EQ(f.watched->resource_version(), "30");
  f.watched->Stop();
  auto reqs = f.server.requests();
  ASSERT_GE(reqs.size(), 3u);
  EXPECT_NE(reqs[1].find("resourceVersion=11"), std::string::npos) << reqs[1];
}

TEST(JobCache, EventsUpdateAndOwnDeletesAreForgotten) {
  ScriptedCollection<JobCache> f;
  f.server.Add(
      Response(200, ListBody("JobList", {Job("a", "u-a", "10"), Job("c", "u-c", "12")}, "12")));
  f.server.Add(Chunked({WatchEvent("MODIFIED", Job("a", "u-a", "13", "Failed")),
                        WatchEvent("DELETED", Job("c", "u-c", "14")),
                        WatchEvent("ADDED", Job("d", "u-d", "15"))}));
  ASSERT_TRUE(f.watched->Relist().has_value());
  f.watched->Forget("c", "u-c");  // the executor deletes c itself
  f.watched->Start();
  ASSERT_TRUE(WaitUntil([&] { return f.watched->Find("d").has_value(); }));
  f.watched->Stop();
  EXPECT_EQ(f.watched->Find("a")->observation.phase, ExecPhase::kFailed);
  EXPECT_FALSE(f.watched->Find("c").has_value()) << "own delete is not an outside deletion";
  EXPECT_EQ(f.watched->CountRunning(""), 1);  // d
  EXPECT_EQ(f.watched->resource_version(), "15");
}

TEST(JobCache, StaleCopiesAndOlderAttemptsDoNotOverwrite) {
  ScriptedCollection<JobCache> f;
  f.server.Add(Response(200, ListBody("JobList", {}, "1")));
  ASSERT_TRUE(f.watched->Relist().has_value());
  f.watched->Put(Job("a", "u-a", "20", "Complete"));
  f.watched->Put(Job("a", "u-a", "19"));  // an older read of the same Job
  EXPECT_EQ(f.watched->Find("a")->observation.phase, ExecPhase::kSucceeded);
  json attempt2 = Job("a", "u-a2", "30");
  attempt2["metadata"]["labels"]["retrain.dev/attempt"] = "2";
  f.watched->Put(attempt2);
  f.watched->Put(Job("a", "u-a", "31", "Failed"));  // late event of attempt 1
  EXPECT_EQ(f.watched->Find("a")->uid, "u-a2");
  EXPECT_EQ(f.watched->Find("a")->observation.phase, ExecPhase::kRunning);
}

}  // namespace
}  // namespace retrain
