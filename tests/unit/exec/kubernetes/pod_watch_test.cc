// PodWatch against a scripted API server: stuck pods from the list and from watch events, and
// a forbidden pod list that turns the watch off instead of failing.

#include "exec/kubernetes/pod_watch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "watch_script.h"

namespace retrain {
namespace {

using json = nlohmann::json;
using namespace testing_support;

json Pod(const std::string& name, const std::string& job_id, const std::string& attempt,
         const std::string& reason, const std::string& rv) {
  return {{"metadata",
           {{"name", name},
            {"resourceVersion", rv},
            {"labels", {{"retrain.dev/job-id", job_id}, {"retrain.dev/attempt", attempt}}}}},
          {"status",
           {{"containerStatuses",
             {{{"name", "trainer"}, {"state", {{"waiting", {{"reason", reason}}}}}}}}}}};
}

TEST(PodWatch, ListAndEventsTrackPodsThatCannotStart) {
  ScriptedCollection<PodWatch> f;
  f.server.Add(Response(200, ListBody("PodList",
                                      {Pod("p-a", "a", "1", "ImagePullBackOff", "5"),
                                       Pod("p-b", "b", "1", "ErrImagePull", "6")},
                                      "6")));
  f.server.Add(
      Chunked({WatchEvent("MODIFIED", Pod("p-b", "b", "1", "ImagePullBackOff", "7")),
               WatchEvent("DELETED", Pod("p-a", "a", "1", "ImagePullBackOff", "8")),
               WatchEvent("ADDED", Pod("p-c", "c", "2", "CreateContainerConfigError", "9"))}));
  f.watched->Begin();
  ASSERT_TRUE(WaitUntil([&] { return f.watched->Failure("c", 2).has_value(); }));
  f.watched->Stop();
  EXPECT_TRUE(f.watched->enabled());
  EXPECT_FALSE(f.watched->Failure("a", 1).has_value()) << "deleted pod";
  ASSERT_TRUE(f.watched->Failure("b", 1).has_value());
  EXPECT_EQ(f.watched->Failure("b", 1)->pod, "p-b");
  EXPECT_FALSE(f.watched->Failure("c", 1).has_value()) << "other attempt";
  EXPECT_EQ(f.watched->resource_version(), "9");
  auto reqs = f.server.requests();
  ASSERT_GE(reqs.size(), 2u);
  EXPECT_NE(reqs[0].find("/api/v1/namespaces/ml/pods?"), std::string::npos) << reqs[0];
  EXPECT_NE(reqs[1].find("resourceVersion=6"), std::string::npos) << reqs[1];
}

TEST(PodWatch, ForbiddenListTurnsTheWatchOff) {
  ScriptedCollection<PodWatch> f;
  f.server.Add(Response(403, json{{"kind", "Status"},
                                  {"code", 403},
                                  {"reason", "Forbidden"},
                                  {"message", "pods is forbidden"}}
                                 .dump()));
  f.watched->Begin();
  EXPECT_FALSE(f.watched->enabled());
  EXPECT_FALSE(f.watched->Failure("a", 1).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(f.server.requests().size(), 1u) << "no watch after a forbidden list";
}

TEST(PodWatch, ForbiddenWatchTurnsTheWatchOff) {
  ScriptedCollection<PodWatch> f;
  f.server.Add(
      Response(200, ListBody("PodList", {Pod("p-a", "a", "1", "ImagePullBackOff", "5")}, "5")));
  json forbidden = {{"kind", "Status"}, {"code", 403}, {"reason", "Forbidden"}};
  f.server.Add(Response(403, forbidden.dump()));
  f.watched->Begin();
  ASSERT_TRUE(WaitUntil([&] { return !f.watched->enabled(); }));
  EXPECT_FALSE(f.watched->Failure("a", 1).has_value()) << "stale pods are dropped";
}

}  // namespace
}  // namespace retrain
