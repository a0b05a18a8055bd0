#include "exec/kubernetes/job_manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

namespace retrain {
namespace {

using json = nlohmann::json;

const std::string kJobId = "6f1c2a9b0d3e4f5a6b7c8d9e0f1a2b3c";

bool IsRfc1123Label(const std::string& s) {
  static const std::regex re("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  return s.size() <= 63 && std::regex_match(s, re);
}

struct Fixture {
  ModelSettings model;
  ExecSpec spec;
  Fixture() {
    model.id = "threat-scorer";
    spec.job_id = kJobId;
    spec.attempt = 2;
    spec.model = &model;
    spec.callback_token = "s3cr3t-token-value";
    spec.timeout_ms = 90'500;
    spec.env = {{"MODEL_ID", "threat-scorer"},
                {"RETRAINING_JOB_ID", kJobId},
                {"MLFLOW_RUN_ID", "run-123"},
                {"DATA_WINDOW_START", "2026-11-26T06:30:00.000Z"},
                {"DATA_WINDOW_END", "2026-11-26T06:35:10.250Z"},
                {"RETRAINING_CALLBACK_URL", "http://retrain/retraining/jobs/x/events"}};
  }
};

const json* FindEnv(const json& container, const std::string& name) {
  for (const auto& e : container["env"])
    if (e["name"] == name) return &e;
  return nullptr;
}

TEST(JobName, FollowsThePattern) {
  EXPECT_EQ(JobNameFor("threat-scorer", kJobId), "ml-retrain-threat-scorer-6f1c2a9b");
}

TEST(JobName, SanitizesTheModelPart) {
  std::string name = JobNameFor("Threat_Scorer..V2!!", kJobId);
  EXPECT_EQ(name, "ml-retrain-threat-scorer-v2-6f1c2a9b");
  EXPECT_TRUE(IsRfc1123Label(name));
  EXPECT_EQ(JobNameFor("___", kJobId), "ml-retrain-model-6f1c2a9b");
  EXPECT_EQ(JobNameFor("", kJobId), "ml-retrain-model-6f1c2a9b");
}

TEST(JobName, LowerCasesTheJobId) {
  EXPECT_EQ(JobNameFor("m", "ABCDEF0123456789"), "ml-retrain-m-abcdef01");
}

TEST(JobName, TruncatesALongModelButKeepsTheJobId) {
  std::string model(200, 'a');
  model[42] = '-';  // a '-' where the cut falls must not end the model part
  std::string name = JobNameFor(model, kJobId);
  EXPECT_LE(name.size(), 63u);
  EXPECT_TRUE(IsRfc1123Label(name)) << name;
  EXPECT_TRUE(name.starts_with("ml-retrain-aaaa"));
  EXPECT_TRUE(name.ends_with("-6f1c2a9b")) << name;
  EXPECT_EQ(TokenSecretName(name), name + "-token");
}

TEST(JobName, DistinctJobIdsGiveDistinctNames) {
  std::string model(100, 'x');
  EXPECT_NE(JobNameFor(model, "aaaaaaaa11"), JobNameFor(model, "aaaaaaab11"));
  // The short names of two ids sharing 8 leading characters collide; the collision form not.
  EXPECT_EQ(JobNameFor(model, "aaaaaaaa11"), JobNameFor(model, "aaaaaaaa22"));
  std::string a = JobNameForCollision(model, "aaaaaaaa11");
  std::string b = JobNameForCollision(model, "aaaaaaaa22");
  EXPECT_NE(a, b);
  EXPECT_TRUE(IsRfc1123Label(a)) << a;
  EXPECT_TRUE(a.ends_with("-aaaaaaaa11")) << a;
  std::string full = JobNameForCollision(model, kJobId);
  EXPECT_LE(full.size(), 63u);
  EXPECT_TRUE(full.ends_with("-" + kJobId)) << full;
}

TEST(JobId, ValidationRejectsUnusableIds) {
  EXPECT_TRUE(ValidateJobId(kJobId).has_value());
  for (const std::string& bad :
       std::vector<std::string>{"", "-abc", "abc-", "a b", "a/b", std::string(64, 'a')}) {
    auto s = ValidateJobId(bad);
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(LabelValueTest, SanitizesAndBounds) {
  EXPECT_EQ(LabelValue("threat-scorer"), "threat-scorer");
  EXPECT_EQ(LabelValue("a b/c"), "a-b-c");
  EXPECT_EQ(LabelValue("--x--"), "x");
  EXPECT_EQ(LabelValue(std::string(80, 'z')).size(), 63u);
}

TEST(JobManifest, CarriesLabelsAnnotationsAndPodLabel) {
  Fixture f;
  auto m = BuildJobManifest(f.spec, "ml-retrain-threat-scorer-6f1c2a9b", JobManifestOptions{});
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const json& md = (*m)["metadata"];
  EXPECT_EQ((*m)["apiVersion"], "batch/v1");
  EXPECT_EQ((*m)["kind"], "Job");
  EXPECT_EQ(md["name"], "ml-retrain-threat-scorer-6f1c2a9b");
  EXPECT_EQ(md["namespace"], "default");
  EXPECT_EQ(md["labels"]["app.kubernetes.io/managed-by"], "retrain");
  EXPECT_EQ(md["labels"]["retrain.dev/model-id"], "threat-scorer");
  EXPECT_EQ(md["labels"]["retrain.dev/job-id"], kJobId);
  EXPECT_EQ(md["labels"]["retrain.dev/attempt"], "2");
  EXPECT_EQ(md["annotations"]["retrain.dev/mlflow-run-id"], "run-123");
  EXPECT_EQ(md["annotations"]["retrain.dev/data-window-start"], "2026-11-26T06:30:00.000Z");
  EXPECT_EQ(md["annotations"]["retrain.dev/data-window-end"], "2026-11-26T06:35:10.250Z");
  EXPECT_EQ(md["annotations"]["retrain.dev/model-id"], "threat-scorer");
  const json& tmpl = (*m)["spec"]["template"];
  EXPECT_EQ(tmpl["metadata"]["labels"]["job-id"], kJobId);
  EXPECT_EQ(tmpl["metadata"]["labels"]["app.kubernetes.io/managed-by"], "retrain");
}

TEST(JobManifest, JobSpecSettings) {
  Fixture f;
  JobManifestOptions o;
  o.namespace_ = "ml";
  o.service_account = "retrain-worker";
  o.ttl_seconds_after_finished = 600;
  auto m = BuildJobManifest(f.spec, "n", o);
  ASSERT_TRUE(m.has_value());
  const json& spec = (*m)["spec"];
  EXPECT_EQ((*m)["metadata"]["namespace"], "ml");
  EXPECT_EQ(spec["backoffLimit"], 0);
  EXPECT_EQ(spec["activeDeadlineSeconds"], 91);  // 90.5 s rounded up
  EXPECT_EQ(spec["ttlSecondsAfterFinished"], 600);
  const json& pod = spec["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"], "Never");
  EXPECT_EQ(pod["serviceAccountName"], "retrain-worker");
  EXPECT_EQ(pod["automountServiceAccountToken"], false);
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  ASSERT_EQ(pod["containers"].size(), 1u);
  const json& c = pod["containers"][0];
  EXPECT_EQ(c["name"], "trainer");
  EXPECT_EQ(c["image"], "retrain-worker:latest");
  EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_EQ(c["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  EXPECT_EQ(c["resources"]["requests"]["cpu"], "500m");
  EXPECT_EQ(c["resources"]["limits"]["memory"], "4Gi");
  EXPECT_EQ(c["volumeMounts"][0]["mountPath"], "/tmp");
}

TEST(JobManifest, OptionalFieldsCanBeLeftOut) {
  Fixture f;
  f.spec.timeout_ms = 0;
  JobManifestOptions o;
  o.ttl_seconds_after_finished = -1;
  o.cpu_limit = "";
  auto m = BuildJobManifest(f.spec, "n", o);
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE((*m)["spec"].contains("activeDeadlineSeconds"));
  EXPECT_FALSE((*m)["spec"].contains("ttlSecondsAfterFinished"));
  EXPECT_FALSE((*m)["spec"]["template"]["spec"].contains("serviceAccountName"));
  EXPECT_FALSE(
      (*m)["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"].contains("cpu"));
}

TEST(JobManifest, EnvIsPlainExceptTheTokenWhichComesFromTheSecret) {
  Fixture f;
  f.spec.env["RETRAINING_CALLBACK_TOKEN"] = f.spec.callback_token;  // must not leak as a value
  auto m = BuildJobManifest(f.spec, "ml-retrain-x-6f1c2a9b", JobManifestOptions{});
  ASSERT_TRUE(m.has_value());
  const json& c = (*m)["spec"]["template"]["spec"]["containers"][0];
  ASSERT_NE(FindEnv(c, "MODEL_ID"), nullptr);
  EXPECT_EQ((*FindEnv(c, "MODEL_ID"))["value"], "threat-scorer");
  EXPECT_EQ((*FindEnv(c, "MLFLOW_RUN_ID"))["value"], "run-123");
  EXPECT_EQ((*FindEnv(c, "RETRAINING_JOB_ID"))["value"], kJobId);
  EXPECT_EQ((*FindEnv(c, "HOME"))["value"], "/tmp");
  const json* token = FindEnv(c, "RETRAINING_CALLBACK_TOKEN");
  ASSERT_NE(token, nullptr);
  EXPECT_FALSE(token->contains("value"));
  EXPECT_EQ((*token)["valueFrom"]["secretKeyRef"]["name"], "ml-retrain-x-6f1c2a9b-token");
  EXPECT_EQ((*token)["valueFrom"]["secretKeyRef"]["key"], "token");
  int count = 0;
  for (const auto& e : c["env"]) count += e["name"] == "RETRAINING_CALLBACK_TOKEN";
  EXPECT_EQ(count, 1);
  EXPECT_EQ(m->dump().find(f.spec.callback_token), std::string::npos);
  // Deterministic: the same spec gives byte-identical manifests.
  EXPECT_EQ(m->dump(), BuildJobManifest(f.spec, "ml-retrain-x-6f1c2a9b", {})->dump());
}

TEST(JobManifest, ImageChoice) {
  Fixture f;
  JobManifestOptions o;
  o.image = "registry/worker:1";
  EXPECT_EQ(
      (*BuildJobManifest(f.spec, "n", o))["spec"]["template"]["spec"]["containers"][0]["image"],
      "registry/worker:1");
  f.model.image = "registry/special:2";
  EXPECT_EQ(
      (*BuildJobManifest(f.spec, "n", o))["spec"]["template"]["spec"]["containers"][0]["image"],
      "registry/special:2");
  f.model.image.clear();
  o.image.clear();
  auto m = BuildJobManifest(f.spec, "n", o);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::kFailedPrecondition);
}

TEST(JobManifest, RejectsMissingModelAndBadIds) {
  Fixture f;
  f.spec.model = nullptr;
  EXPECT_EQ(BuildJobManifest(f.spec, "n", {}).error().code, ErrorCode::kInvalidArgument);
  Fixture g;
  g.spec.job_id = "bad id";
  EXPECT_EQ(BuildJobManifest(g.spec, "n", {}).error().code, ErrorCode::kInvalidArgument);
}

TEST(TokenSecret, HoldsTheTokenAndItsOwner) {
  Fixture f;
  json s = BuildTokenSecret(f.spec, "ml-retrain-x-6f1c2a9b", "ml", "uid-1");
  EXPECT_EQ(s["kind"], "Secret");
  EXPECT_EQ(s["metadata"]["name"], "ml-retrain-x-6f1c2a9b-token");
  EXPECT_EQ(s["metadata"]["namespace"], "ml");
  EXPECT_EQ(s["metadata"]["labels"]["retrain.dev/job-id"], kJobId);
  EXPECT_EQ(s["stringData"]["token"], "s3cr3t-token-value");
  ASSERT_EQ(s["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_EQ(s["metadata"]["ownerReferences"][0]["kind"], "Job");
  EXPECT_EQ(s["metadata"]["ownerReferences"][0]["uid"], "uid-1");
  EXPECT_EQ(s["metadata"]["ownerReferences"][0]["name"], "ml-retrain-x-6f1c2a9b");
  EXPECT_FALSE(BuildTokenSecret(f.spec, "n", "ml", "")["metadata"].contains("ownerReferences"));
}

TEST(Observation, FromJobConditions) {
  json running = {{"metadata", {{"name", "j"}}}, {"status", {{"active", 1}}}};
  EXPECT_EQ(ObservationFromJob(running).phase, ExecPhase::kRunning);
  json done = {{"metadata", {{"name", "j"}}},
               {"status",
                {{"conditions",
                  {{{"type", "SuccessCriteriaMet"}, {"status", "True"}},
                   {{"type", "Complete"}, {"status", "True"}}}}}}};
  EXPECT_EQ(ObservationFromJob(done).phase, ExecPhase::kSucceeded);
  json failed = {{"metadata", {{"name", "j"}}},
                 {"status",
                  {{"conditions",
                    {{{"type", "Failed"},
                      {"status", "True"},
                      {"reason", "DeadlineExceeded"},
                      {"message", "Job was active longer than specified deadline"}}}}}}};
  auto obs = ObservationFromJob(failed);
  EXPECT_EQ(obs.phase, ExecPhase::kFailed);
  EXPECT_EQ(obs.message,
            "Kubernetes Job j failed (DeadlineExceeded): Job was active longer than specified "
            "deadline");
  json not_yet = {{"status", {{"conditions", {{{"type", "Failed"}, {"status", "False"}}}}}}};
  EXPECT_EQ(ObservationFromJob(not_yet).phase, ExecPhase::kRunning);
}

}  // namespace
}  // namespace retrain
