// KubernetesExecutor against a real kube-apiserver + etcd (no controllers: the tests play the
// Job controller by PATCHing /status, as the Job controller would).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "executor_fixture.h"

namespace retrain::it {
namespace {

TEST_F(ExecutorIT, SubmitCreatesJobAndOwnedTokenSecret) {
  auto exec = NewExecutor();
  ASSERT_NE(exec, nullptr);
  EXPECT_EQ(exec->Name(), "kubernetes");
  std::string id = NewJobId();
  auto r = exec->Submit(Spec(id));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->kubernetes_job_name, Name(id));
  EXPECT_EQ(r->kubernetes_namespace, ns_->name());
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kRunning);

  auto job = GetJob(Name(id));
  ASSERT_TRUE(job.has_value()) << job.error().message;
  EXPECT_EQ((*job)["metadata"]["labels"]["retrain.dev/job-id"], id);
  EXPECT_EQ((*job)["spec"]["template"]["metadata"]["labels"]["job-id"], id);
  EXPECT_EQ((*job)["spec"]["backoffLimit"], 0);
  const json& c = (*job)["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["name"], "trainer");
  EXPECT_EQ(c["image"], model_.image);
  EXPECT_EQ(job->dump().find("token-" + id), std::string::npos) << "token leaked into the Job";

  auto secret = admin_->GetObject(kSecretsResource, ns_->name(), Name(id) + "-token");
  ASSERT_TRUE(secret.has_value()) << secret.error().message;
  EXPECT_EQ((*secret)["metadata"]["ownerReferences"][0]["uid"], (*job)["metadata"]["uid"]);
  EXPECT_EQ((*secret)["data"]["token"].get<std::string>().empty(), false);
}

TEST_F(ExecutorIT, ResubmitAndRestartAdoptTheSameJob) {
  std::string id = NewJobId();
  std::string uid;
  {
    auto exec = NewExecutor();
    ASSERT_NE(exec, nullptr);
    ASSERT_TRUE(exec->Submit(Spec(id)).has_value());
    ASSERT_TRUE(exec->Submit(Spec(id)).has_value());  // idempotent
    uid = (*GetJob(Name(id)))["metadata"]["uid"];
  }
  auto exec = NewExecutor();  // a restarted orchestrator
  ASSERT_NE(exec, nullptr);
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kRunning) << "the initial list adopts running Jobs";
  auto r = exec->Submit(Spec(id));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->kubernetes_job_name, Name(id));
  EXPECT_EQ((*GetJob(Name(id)))["metadata"]["uid"], uid) << "no second Job was created";
  auto list = admin_->ListObjects(kJobsResource, ns_->name(), "retrain.dev/job-id=" + id);
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ((*list)["items"].size(), 1u);
}

TEST_F(ExecutorIT, AlreadyExistsIsAdoptedByANewInstanceWithoutTheCache) {
  std::string id = NewJobId();
  auto first = NewExecutor();
  auto second = NewExecutor();  // listed before the Job existed: adopts through 409
  ASSERT_TRUE(first->Submit(Spec(id)).has_value());
  auto r = second->Submit(Spec(id));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->kubernetes_job_name, Name(id));
}

TEST_F(ExecutorIT, CompleteConditionIsSucceeded) {
  auto exec = NewExecutor();
  std::string id = NewJobId();
  ASSERT_TRUE(exec->Submit(Spec(id)).has_value());
  PatchStatus(Name(id), true);
  EXPECT_TRUE(WaitFor([&] { return PhaseOf(*exec, id) == ExecPhase::kSucceeded; }));
}

TEST_F(ExecutorIT, FailedConditionCarriesReasonAndMessage) {
  auto exec = NewExecutor();
  std::string id = NewJobId();
  ASSERT_TRUE(exec->Submit(Spec(id)).has_value());
  PatchStatus(Name(id), false, "BackoffLimitExceeded",
              "Job has reached the specified backoff limit");
  ASSERT_TRUE(WaitFor([&] { return PhaseOf(*exec, id) == ExecPhase::kFailed; }));
  auto o = exec->Observe(id);
  EXPECT_EQ(o->message, "Kubernetes Job " + Name(id) +
                            " failed (BackoffLimitExceeded): Job has reached the specified backoff "
                            "limit");
}

TEST_F(ExecutorIT, DeletionByOthersIsAFailure) {
  auto exec = NewExecutor();
  std::string id = NewJobId();
  ASSERT_TRUE(exec->Submit(Spec(id)).has_value());
  ASSERT_TRUE(admin_->DeleteObject(kJobsResource, ns_->name(), Name(id)).has_value());
  ASSERT_TRUE(WaitFor([&] { return PhaseOf(*exec, id) == ExecPhase::kFailed; }));
  EXPECT_EQ(exec->Observe(id)->message,
            "Kubernetes Job " + Name(id) + " was deleted outside retrain");
}

TEST_F(ExecutorIT, DeletionAfterSuccessStaysASuccess) {
  auto exec = NewExecutor();
  std::string id = NewJobId();
  ASSERT_TRUE(exec->Submit(Spec(id)).has_value());
  PatchStatus(Name(id), true);
  ASSERT_TRUE(WaitFor([&] { return PhaseOf(*exec, id) == ExecPhase::kSucceeded; }));
  ASSERT_TRUE(admin_->DeleteObject(kJobsResource, ns_->name(), Name(id)).has_value());  // TTL
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kSucceeded);
}

TEST_F(ExecutorIT, CancelDeletesJobAndSecret) {
  auto exec = NewExecutor();
  std::string id = NewJobId();
  ASSERT_TRUE(exec->Submit(Spec(id)).has_value());
  auto s = exec->Cancel(id);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(GetJob(Name(id)).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(admin_->GetObject(kSecretsResource, ns_->name(), Name(id) + "-token").error().code,
            ErrorCode::kNotFound);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the DELETED event arrives
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kUnknown) << "our own delete is not an outside one";
  EXPECT_TRUE(exec->Cancel(id).has_value());
  EXPECT_TRUE(exec->Cancel(NewJobId()).has_value());
}

TEST_F(ExecutorIT, NewAttemptReplacesTheFinishedOne) {
  auto exec = NewExecutor();
  std::string id = NewJobId();
  ASSERT_TRUE(exec->Submit(Spec(id, 1)).has_value());
  PatchStatus(Name(id), false, "DeadlineExceeded", "too slow");
  ASSERT_TRUE(WaitFor([&] { return PhaseOf(*exec, id) == ExecPhase::kFailed; }));
  auto r = exec->Submit(Spec(id, 2));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kRunning);
  auto job = GetJob(Name(id));
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ((*job)["metadata"]["labels"]["retrain.dev/attempt"], "2");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(PhaseOf(*exec, id), ExecPhase::kRunning) << "the old Job's deletion is not reported";
}

TEST_F(ExecutorIT, ForeignJobWithOurNameIsAClearError) {
  auto exec = NewExecutor();
  std::string id = NewJobId();
  json foreign = {{"apiVersion", "batch/v1"},
                  {"kind", "Job"},
                  {"metadata", {{"name", Name(id)}}},
                  {"spec",
                   {{"template",
                     {{"spec",
                       {{"restartPolicy", "Never"},
                        {"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}}}}};
  ASSERT_TRUE(admin_->CreateObject(kJobsResource, ns_->name(), foreign).has_value());
  auto r = exec->Submit(Spec(id));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("not managed by retrain"), std::string::npos)
      << r.error().message;
}

TEST_F(ExecutorIT, ShortNameCollisionUsesTheWholeJobId) {
  auto exec = NewExecutor();
  std::string a = "abcdef01" + RandomHex(12), b = "abcdef01" + RandomHex(12);
  auto ra = exec->Submit(Spec(a));
  auto rb = exec->Submit(Spec(b));
  ASSERT_TRUE(ra.has_value() && rb.has_value());
  EXPECT_EQ(ra->kubernetes_job_name, Name(a));
  EXPECT_EQ(rb->kubernetes_job_name, JobNameForCollision(model_.id, b));
  EXPECT_NE(ra->kubernetes_job_name, rb->kubernetes_job_name);
  EXPECT_TRUE(exec->Submit(Spec(b)).has_value());
}

TEST_F(ExecutorIT, ListOrphansDeletesJobsWithoutAJobRow) {
  auto exec = NewExecutor();
  std::string keep = NewJobId(), orphan = NewJobId();
  ASSERT_TRUE(exec->Submit(Spec(keep)).has_value());
  ASSERT_TRUE(exec->Submit(Spec(orphan)).has_value());
  auto r = exec->ListOrphans([&](const std::string& id) { return id == keep; });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, std::vector<std::string>{orphan});
  EXPECT_TRUE(GetJob(Name(keep)).has_value());
  EXPECT_EQ(GetJob(Name(orphan)).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(admin_->GetObject(kSecretsResource, ns_->name(), Name(orphan) + "-token").error().code,
            ErrorCode::kNotFound);
}

TEST_F(ExecutorIT, ExpiredWatchRelistsAndKeepsObserving) {
  auto exec = NewExecutor("", /*watch_timeout_s=*/1);
  std::string id = NewJobId();
  ASSERT_TRUE(exec->Submit(Spec(id)).has_value());
  ASSERT_TRUE(WaitFor([&] { return exec->Stats().watches >= 2; }));
  int64_t relists = exec->Stats().relists;
  int64_t errors = exec->Stats().watch_errors;
  // Advance etcd past the executor's resourceVersion and compact: its next watch gets 410.
  for (int i = 0; i < 3; ++i) {
    json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "bump-" + std::to_string(i)}}}};
    ASSERT_TRUE(admin_->CreateObject(kConfigMaps, ns_->name(), cm).has_value());
  }
  std::string cmd = Env("RETRAIN_K8S_SERVICE_SCRIPT") + " compact-etcd " +
                    Env("RETRAIN_K8S_FIXTURE_DIR") + " >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_TRUE(WaitFor([&] { return exec->Stats().relists > relists; }))
      << "no relist after compaction";
  EXPECT_EQ(exec->Stats().watch_errors, errors) << "the relist came from 410 Gone, not from errors";
  PatchStatus(Name(id), true);
  EXPECT_TRUE(WaitFor([&] { return PhaseOf(*exec, id) == ExecPhase::kSucceeded; }));
}

TEST_F(ExecutorIT, RbacDenialNamesVerbResourceAndNamespace) {
  auto denied = KubernetesExecutor::Create([&] {
    KubernetesExecutorOptions o;
    o.kubeconfig_path = RestrictedKubeconfig();
    o.namespace_ = ns_->name();
    o.client.max_attempts = 1;
    return o;
  }());
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(denied.error().message.find("list on jobs.batch in namespace " + ns_->name()),
            std::string::npos)
      << denied.error().message;

  // Allow reading Jobs only: start-up works, Submit is denied on create.
  GrantRestricted(
      "read-jobs",
      {{{"apiGroups", {"batch"}}, {"resources", {"jobs"}}, {"verbs", {"get", "list", "watch"}}}});
  auto exec = NewRestrictedExecutor();
  ASSERT_NE(exec, nullptr);
  auto r = exec->Submit(Spec(NewJobId()));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(
      r.error().message.find("Kubernetes denied create on jobs.batch in namespace " + ns_->name()),
      std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace retrain::it
