// PodCannotStart: which worker pods can never start, read from the Pod object alone.

#include "exec/kubernetes/pod_status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace retrain {
namespace {

using json = nlohmann::json;

json Pod(const std::string& job_id, const std::string& attempt) {
  json labels = {{"app.kubernetes.io/managed-by", "retrain"},
                 {"retrain.dev/job-id", job_id},
                 {"job-id", job_id}};
  if (!attempt.empty()) labels["retrain.dev/attempt"] = attempt;
  return {{"metadata", {{"name", "ml-retrain-m-j1-abcde"}, {"labels", labels}}},
          {"status", {{"phase", "Pending"}}}};
}

json Waiting(const std::string& container, const std::string& reason,
             const std::string& message = "") {
  json waiting = {{"reason", reason}};
  if (!message.empty()) waiting["message"] = message;
  return {{"name", container}, {"ready", false}, {"state", {{"waiting", waiting}}}};
}

json WithContainers(json pod, json statuses, const char* key = "containerStatuses") {
  pod["status"][key] = std::move(statuses);
  return pod;
}

TEST(PodCannotStart, EachReasonThatNeverResolvesFailsTheAttempt) {
  for (const char* reason : {"ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
                             "CreateContainerConfigError", "CreateContainerError"}) {
    json pod = WithContainers(Pod("j1", "2"), {Waiting("trainer", reason, "why it is stuck")});
    auto f = PodCannotStart(pod, "j1", 2);
    ASSERT_TRUE(f.has_value()) << reason;
    EXPECT_EQ(f->pod, "ml-retrain-m-j1-abcde");
    EXPECT_EQ(f->container, "trainer");
    EXPECT_EQ(f->reason, reason);
    EXPECT_EQ(f->message, "why it is stuck");
  }
}

TEST(PodCannotStart, DescribeNamesPodContainerReasonAndMessage) {
  json pod =
      WithContainers(Pod("j1", "1"),
                     {Waiting("trainer", "ImagePullBackOff", "Back-off pulling image \"nope:1\"")});
  EXPECT_EQ(PodCannotStart(pod, "j1", 1)->Describe(),
            "Pod ml-retrain-m-j1-abcde cannot start container trainer: ImagePullBackOff: "
            "Back-off pulling image \"nope:1\"");
  json bare = WithContainers(Pod("j1", "1"), {Waiting("trainer", "InvalidImageName")});
  EXPECT_EQ(PodCannotStart(bare, "j1", 1)->Describe(),
            "Pod ml-retrain-m-j1-abcde cannot start container trainer: InvalidImageName");
}

TEST(PodCannotStart, ErrImagePullAndContainerCreatingAreTransient) {
  for (const char* reason : {"ErrImagePull", "ContainerCreating", "PodInitializing", ""}) {
    json pod = WithContainers(Pod("j1", "1"), {Waiting("trainer", reason, "rpc error")});
    EXPECT_FALSE(PodCannotStart(pod, "j1", 1).has_value()) << reason;
  }
}

TEST(PodCannotStart, InitContainersCountAndComeFirst) {
  json pod = WithContainers(
      Pod("j1", "1"), {Waiting("fetch", "CreateContainerConfigError", "secret \"s\" not found")},
      "initContainerStatuses");
  pod["status"]["containerStatuses"] = {Waiting("trainer", "PodInitializing")};
  auto f = PodCannotStart(pod, "j1", 1);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->container, "fetch");
  EXPECT_EQ(f->reason, "CreateContainerConfigError");
}

TEST(PodCannotStart, OtherContainersAreIgnored) {
  json pod = WithContainers(
      Pod("j1", "1"), {Waiting("sidecar", "ImagePullBackOff"), Waiting("trainer", "ErrImagePull")});
  EXPECT_FALSE(PodCannotStart(pod, "j1", 1).has_value());
}

TEST(PodCannotStart, OtherAttemptsAndJobsAreIgnored) {
  json pod = WithContainers(Pod("j1", "1"), {Waiting("trainer", "ImagePullBackOff")});
  EXPECT_TRUE(PodCannotStart(pod, "j1", 1).has_value());
  EXPECT_FALSE(PodCannotStart(pod, "j1", 2).has_value()) << "attempt 1's pod, attempt 2 asked";
  EXPECT_FALSE(PodCannotStart(pod, "j2", 1).has_value());
  EXPECT_FALSE(PodCannotStart(pod, "", 1).has_value());
  json unlabelled = WithContainers(Pod("j1", ""), {Waiting("trainer", "ImagePullBackOff")});
  EXPECT_TRUE(PodCannotStart(unlabelled, "j1", 1).has_value()) << "no attempt label = attempt 1";
  json garbled = WithContainers(Pod("j1", "x"), {Waiting("trainer", "ImagePullBackOff")});
  EXPECT_FALSE(PodCannotStart(garbled, "j1", 2).has_value());
}

TEST(PodCannotStart, RunningAndTerminatedContainersDoNotFail) {
  json running = {{"name", "trainer"},
                  {"state", {{"running", {{"startedAt", "2026-01-01T00:00:00Z"}}}}},
                  {"lastState", {{"waiting", {{"reason", "ImagePullBackOff"}}}}}};
  json terminated = {{"name", "trainer"},
                     {"state", {{"terminated", {{"reason", "Error"}, {"exitCode", 1}}}}}};
  EXPECT_FALSE(PodCannotStart(WithContainers(Pod("j1", "1"), {running}), "j1", 1).has_value());
  EXPECT_FALSE(PodCannotStart(WithContainers(Pod("j1", "1"), {terminated}), "j1", 1).has_value());
  EXPECT_FALSE(PodCannotStart(Pod("j1", "1"), "j1", 1).has_value()) << "no statuses yet";
}

TEST(PodCannotStart, MalformedFieldsAreTolerated) {
  const json bad[] = {
      json(nullptr),
      json::array(),
      json("pod"),
      json{{"metadata", 5}},
      json{{"metadata", {{"labels", "x"}}}},
      WithContainers(Pod("j1", "1"), "not a list"),
      WithContainers(Pod("j1", "1"), {nullptr, 3, "x", json::object()}),
      WithContainers(Pod("j1", "1"),
                     {{{"name", 7}, {"state", {{"waiting", {{"reason", "ImagePullBackOff"}}}}}}}),
      WithContainers(Pod("j1", "1"), {{{"name", "trainer"}, {"state", "waiting"}}}),
      WithContainers(Pod("j1", "1"), {{{"name", "trainer"}, {"state", {{"waiting", 1}}}}}),
      WithContainers(Pod("j1", "1"),
                     {{{"name", "trainer"}, {"state", {{"waiting", {{"reason", 42}}}}}}}),
  };
  for (const auto& pod : bad) {
    EXPECT_NO_THROW({
      auto f = PodCannotStart(pod, "j1", 1);
      EXPECT_FALSE(f.has_value()) << pod.dump();
    });
  }
  // A stuck container whose message or pod name has the wrong type still fails the attempt.
  json stuck = {{"reason", "ImagePullBackOff"}, {"message", 3}};
  json odd =
      WithContainers(Pod("j1", "1"), {{{"name", "trainer"}, {"state", {{"waiting", stuck}}}}});
  odd["metadata"]["name"] = 9;
  auto f = PodCannotStart(odd, "j1", 1);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->message, "");
  EXPECT_EQ(f->pod, "");
  json status_not_object = Pod("j1", "1");
  status_not_object["status"] = "Pending";
  EXPECT_FALSE(PodCannotStart(status_not_object, "j1", 1).has_value());
}

}  // namespace
}  // namespace retrain
