// KubernetesExecutor against a real kube-apiserver: attempts whose pod can never start fail at
// once with the pod's reason. No kubelet or Job controller runs, so the tests create the Pod the
// Job controller would create and PATCH its /status as the kubelet would.

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/ids.h"
#include "exec/kubernetes/pod_watch.h"
#include "executor_fixture.h"
#include "yaml_json.h"

namespace retrain::it {
namespace {

constexpr int64_t kPromptlyMs = 5'000;

class PodFailureIT : public ExecutorIT {
 protected:
  // Creates the Pod the Job controller would create for Job `job_name` (the template's labels
  // and spec); returns its name, "" after a test failure.
  std::string CreatePod(const std::string& job_name) {
    auto job = GetJob(job_name);
    if (!job) {
      ADD_FAILURE() << job.error().message;
      return "";
    }
    const json& tmpl = (*job)["spec"]["template"];
    std::string name = job_name + "-" + RandomHex(3);
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"labels", tmpl["metadata"]["labels"]}}},
                {"spec", tmpl["spec"]}};
    auto r = admin_->CreateObject(kPodsResource, ns_->name(), pod);
    if (!r) ADD_FAILURE() << r.error().message;
    return name;
  }

  // The kubelet's report: `container` is waiting with `reason` and `message`.
  void SetWaiting(const std::string& pod, const std::string& reason, const std::string& message,
                  const std::string& container = "trainer") {
    json status = {{"phase", "Pending"},
                   {"containerStatuses",
                    {{{"name", container},
                      {"image", model_.image},
                      {"imageID", ""},
                      {"ready", false},
                      {"restartCount", 0},
                      {"started", false},
                      {"state", {{"waiting", {{"reason", reason}, {"message", message}}}}}}}}};
    auto r = admin_->PatchObject(kPodsResource, ns_->name(), pod, json{{"status", status}},
                                 "application/merge-patch+json", "status");
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  // Submits a new job through `exec` and reports its pod waiting with `reason`; returns the
  // job id.
  std::string SubmitWaiting(KubernetesExecutor& exec, const std::string& reason,
                            const std::string& message) {
    std::string id = NewJobId();
    auto r = exec.Submit(Spec(id));
    EXPECT_TRUE(r.has_value()) << r.error().message;
    SetWaiting(CreatePod(Name(id)), reason, message);
    return id;
  }

  bool FailsPromptly(KubernetesExecutor& exec, const std::string& id) {
    return WaitFor([&] { return PhaseOf(exec, id) == ExecPhase::kFailed; }, kPromptlyMs);
  }

  // Fails a new job by its stuck pod: every pod event sent before has then been seen too (one
  // watch delivers them in order).
  void SyncPodEvents(KubernetesExecutor& exec) {
    ASSERT_TRUE(FailsPromptly(exec, SubmitWaiting(exec, "ImagePullBackOff", "sentinel")));
  }

  // The rules of the Role in deploy/kubernetes/base/rbac.yaml.
  json DeployRoleRules() {
    std::string path = Env("RETRAIN_DEPLOY_DIR") + "/kubernetes/base/rbac.yaml";
    try {
      for (const auto& doc : YAML::LoadAllFromFile(path))
        if (doc && doc.IsMap() && doc["kind"] && doc["kind"].Scalar() == "Role")
          return ToJson(doc["rules"]);
    } catch (const YAML::Exception& e) {
      ADD_FAILURE() << path << ": " << e.what();
    }
    ADD_FAILURE() << path << " has no Role";
    return json::array();
  }
};

TEST_F(PodFailureIT, ImagePullBackOffFailsTheAttemptWithThePodsReason) {
  auto exec = NewExecutor();
  ASSERT_NE(exec, nullptr);
  EXPECT_TRUE(exec->Stats().pod_watch);
  std::string id = NewJobId();
  ASSERT_TRUE(exec->Submit(Spec(id)).has_value());
  std::string pod = CreatePod(Name(id));
  ASSERT_FALSE(pod.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kRunning) << "a pod without statuses is not stuck";
  SetWaiting(pod, "ImagePullBackOff", "Back-off pulling image \"nope:1\"");
  ASSERT_TRUE(FailsPromptly(*exec, id));
  EXPECT_EQ(exec->Observe(id)->message,
            "Pod " + pod +
                " cannot start container trainer: ImagePullBackOff: Back-off pulling "
                "image \"nope:1\"");
  EXPECT_TRUE(GetJob(Name(id)).has_value()) << "the executor only reports; Cancel deletes";
  ASSERT_TRUE(exec->Cancel(id).has_value());
  EXPECT_EQ(GetJob(Name(id)).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kUnknown);
}

TEST_F(PodFailureIT, ErrImagePullAloneKeepsRunning) {
  auto exec = NewExecutor();
  ASSERT_NE(exec, nullptr);
  std::string id = SubmitWaiting(*exec, "ErrImagePull", "rpc error: pull access denied");
  SyncPodEvents(*exec);
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kRunning);
}

TEST_F(PodFailureIT, PodOfAnEarlierAttemptDoesNotFailTheNextOne) {
  auto exec = NewExecutor();
  ASSERT_NE(exec, nullptr);
  std::string id = NewJobId();
  ASSERT_TRUE(exec->Submit(Spec(id, 1)).has_value());
  std::string old_pod = CreatePod(Name(id));
  PatchStatus(Name(id), false, "DeadlineExceeded", "too slow");
  ASSERT_TRUE(WaitFor([&] { return PhaseOf(*exec, id) == ExecPhase::kFailed; }));
  ASSERT_TRUE(exec->Submit(Spec(id, 2)).has_value());
  SetWaiting(old_pod, "ImagePullBackOff", "attempt 1's image");  // no GC runs here: it lingers
  SyncPodEvents(*exec);
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kRunning) << "attempt 1's pod does not fail attempt 2";

  std::string pod = CreatePod(Name(id));  // attempt 2's own pod
  SetWaiting(pod, "CreateContainerConfigError", "secret \"mlflow\" not found");
  ASSERT_TRUE(FailsPromptly(*exec, id));
  EXPECT_EQ(exec->Observe(id)->message,
            "Pod " + pod +
                " cannot start container trainer: CreateContainerConfigError: secret \"mlflow\" "
                "not found");
}

TEST_F(PodFailureIT, TheJobsOwnOutcomeWins) {
  auto exec = NewExecutor();
  ASSERT_NE(exec, nullptr);
  std::string id = SubmitWaiting(*exec, "InvalidImageName", "couldn't parse image name");
  ASSERT_TRUE(FailsPromptly(*exec, id));
  PatchStatus(Name(id), true);
  EXPECT_TRUE(WaitFor([&] { return PhaseOf(*exec, id) == ExecPhase::kSucceeded; }));
}

TEST_F(PodFailureIT, ARestartedExecutorSeesStuckPodsAtOnce) {
  std::string id;
  {
    auto first = NewExecutor();
    ASSERT_NE(first, nullptr);
    id = SubmitWaiting(*first, "ImagePullBackOff", "Back-off pulling image");
  }
  auto exec = NewExecutor();
  ASSERT_NE(exec, nullptr);
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kFailed) << "the initial pod list finds it";
}

TEST_F(PodFailureIT, TheDeployRoleAllowsDetection) {
  GrantRestricted("retrain-executor", DeployRoleRules());
  auto exec = NewRestrictedExecutor();
  ASSERT_NE(exec, nullptr);
  EXPECT_TRUE(exec->Stats().pod_watch);
  EXPECT_TRUE(FailsPromptly(*exec, SubmitWaiting(*exec, "ImagePullBackOff", "Back-off")));
}

TEST_F(PodFailureIT, WithoutPodPermissionsItWarnsOnceAndKeepsWorking) {
  json rules = DeployRoleRules();
  rules.erase(std::remove_if(rules.begin(), rules.end(),
                             [](const json& rule) {
                               return rule.value("resources", json::array()).dump() ==
                                      R"(["pods"])";
                             }),
              rules.end());
  ASSERT_EQ(rules.size(), 2u) << "jobs and secrets remain";
  GrantRestricted("retrain-executor-without-pods", rules);

  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  spdlog::default_logger()->sinks().push_back(sink);
  auto exec = NewRestrictedExecutor();
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  ASSERT_NE(exec, nullptr);
  EXPECT_FALSE(exec->Stats().pod_watch);
  auto logged = sink->last_formatted();
  auto warns = std::count_if(logged.begin(), logged.end(), [&](const std::string& line) {
    return line.find("get, list and watch on pods in namespace " + ns_->name()) !=
               std::string::npos &&
           line.find("denied list on pods") != std::string::npos;
  });
  EXPECT_EQ(warns, 1) << (logged.empty() ? "nothing logged" : logged.back());

  std::string id = SubmitWaiting(*exec, "ImagePullBackOff", "Back-off pulling image");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kRunning) << "no pod detection, no false failure";
  PatchStatus(Name(id), true);
  EXPECT_TRUE(WaitFor([&] { return PhaseOf(*exec, id) == ExecPhase::kSucceeded; }))
      << "the Job watch still works";
}

}  // namespace
}  // namespace retrain::it
