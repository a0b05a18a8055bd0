// Every manifest in deploy/kubernetes/base/ is sent to the real API server with ?dryRun=All, so
// the server's validation and admission (RBAC escalation checks, PodSecurity warnings) judge them.
// A Job built by the manifest builder is dry-run into the namespace that enforces the
// restricted Pod Security profile, and must not draw a single warning.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/ids.h"
#include "exec/kubernetes/job_manifest.h"
#include "it_support.h"
#include "yaml_json.h"

namespace retrain::it {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::optional<KubeResource> ResourceFor(const std::string& api_version, const std::string& kind) {
  static const std::map<std::string, KubeResource> kinds = {
      {"v1/Namespace", {"/api/v1", "namespaces", ""}},
      {"v1/ServiceAccount", {"/api/v1", "serviceaccounts", ""}},
      {"v1/ConfigMap", {"/api/v1", "configmaps", ""}},
      {"v1/Secret", {"/api/v1", "secrets", ""}},
      {"v1/Service", {"/api/v1", "services", ""}},
      {"v1/PersistentVolumeClaim", {"/api/v1", "persistentvolumeclaims", ""}},
      {"apps/v1/Deployment", {"/apis/apps/v1", "deployments", "apps"}},
      {"batch/v1/Job", kJobsResource},
      {"rbac.authorization.k8s.io/v1/Role",
       {"/apis/rbac.authorization.k8s.io/v1", "roles", "rbac.authorization.k8s.io"}},
      {"rbac.authorization.k8s.io/v1/RoleBinding",
       {"/apis/rbac.authorization.k8s.io/v1", "rolebindings", "rbac.authorization.k8s.io"}},
  };
  auto it = kinds.find(api_version + "/" + kind);
  if (it == kinds.end()) return std::nullopt;
  return it->second;
}

TEST(DeployManifests, PassServerSideDryRun) {
  auto admin = AdminClient();
  ASSERT_NE(admin, nullptr);
  std::string dir = Env("RETRAIN_DEPLOY_DIR");
  ASSERT_FALSE(dir.empty());
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir + "/kubernetes/base"))
    if (e.path().extension() == ".yaml" && e.path().filename() != "kustomization.yaml")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 6u);

  std::vector<json> objects;
  for (const auto& f : files) {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAllFromFile(f.string());
    } catch (const YAML::Exception& e) {
      FAIL() << f << " is not valid YAML: " << e.what();
    }
    for (const auto& d : docs)
      if (d && d.IsMap()) objects.push_back(ToJson(d));
  }
  std::set<std::string> kinds;
  // The namespace must exist for namespaced dry runs: create it for real first.
  for (const auto& o : objects) {
    if (o["kind"] != "Namespace") continue;
    auto r = admin->CreateObject(*ResourceFor("v1", "Namespace"), "", o);
    if (!r) {
      ASSERT_EQ(r.error().code, ErrorCode::kAlreadyExists) << r.error().message;
    }
  }
  for (const auto& o : objects) {
    std::string kind = o.value("kind", "");
    kinds.insert(kind);
    auto res = ResourceFor(o.value("apiVersion", ""), kind);
    ASSERT_TRUE(res.has_value()) << "no resource mapping for " << o.value("apiVersion", "") << " "
                                 << kind;
    if (kind == "Namespace") continue;
    std::string ns = o["metadata"].value("namespace", "");
    EXPECT_FALSE(ns.empty()) << kind << " " << o["metadata"]["name"] << " names no namespace";
    auto r = admin->Raw("POST", KubePath(*res, ns) + "?dryRun=All", o.dump(), "application/json");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(r->status == 201 || r->status == 200)
        << kind << " " << o["metadata"]["name"] << ": HTTP " << r->status << " " << r->body;
    EXPECT_EQ(r->Header("warning"), "") << kind << " " << o["metadata"]["name"];
  }
  for (const char* k :
       {"Deployment", "Service", "ServiceAccount", "Role", "RoleBinding", "ConfigMap"})
    EXPECT_TRUE(kinds.contains(k)) << "deploy/kubernetes/base has no " << k;
}

TEST(DeployManifests, WorkerJobsMeetTheRestrictedPodSecurityProfile) {
  auto admin = AdminClient();
  ASSERT_NE(admin, nullptr);
  json ns = {{"apiVersion", "v1"},
             {"kind", "Namespace"},
             {"metadata",
              {{"name", "it-restricted"},
               {"labels",
                {{"pod-security.kubernetes.io/enforce", "restricted"},
                 {"pod-security.kubernetes.io/warn", "restricted"}}}}}};
  auto created = admin->CreateObject(*ResourceFor("v1", "Namespace"), "", ns);
  if (!created) {
    ASSERT_EQ(created.error().code, ErrorCode::kAlreadyExists);
  }
  ModelSettings model;
  model.id = "threat-scorer";
  ExecSpec spec;
  spec.job_id = "0123456789abcdef0123456789abcdef";
  spec.model = &model;
  spec.callback_token = "t";
  spec.timeout_ms = 60'000;
  spec.env = {{"MODEL_ID", "threat-scorer"}};
  JobManifestOptions options;
  options.namespace_ = "it-restricted";
  options.service_account = "retrain-worker";
  auto job = BuildJobManifest(spec, JobNameFor(model.id, spec.job_id), options);
  ASSERT_TRUE(job.has_value());
  auto r = admin->Raw("POST", KubePath(kJobsResource, "it-restricted") + "?dryRun=All", job->dump(),
                      "application/json");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(r->Header("warning"), "") << "PodSecurity restricted warns about the worker Job";
  auto secret = BuildTokenSecret(spec, JobNameFor(model.id, spec.job_id), "it-restricted", "");
  auto rs = admin->Raw("POST", KubePath(kSecretsResource, "it-restricted") + "?dryRun=All",
                       secret.dump(), "application/json");
  ASSERT_TRUE(rs.has_value());
  EXPECT_EQ(rs->status, 201) << rs->body;
}

TEST(DeployManifests, ConfigMapConfigPassesConfigCheck) {
  std::string bin = Env("RETRAIN_BIN");
  if (bin.empty() || !fs::exists(bin)) GTEST_SKIP() << "RETRAIN_BIN is not set to a built retrain";
  YAML::Node cm = YAML::LoadFile(Env("RETRAIN_DEPLOY_DIR") + "/kubernetes/base/configmap.yaml");
  std::string text = cm["data"]["mlflow_retraining.yaml"].as<std::string>();
  fs::path dir = fs::temp_directory_path() / ("retrain-cm-" + RandomHex(4));
  fs::create_directories(dir);
  std::string cfg = (dir / "config.yaml").string();
  std::ofstream(cfg) << text;
  std::string cmd = "env -u RETRAIN_EXECUTOR -u RETRAINING_NAMESPACE '" + bin +
                    "' config check --config '" + cfg + "' --data-dir '" + (dir / "data").string() +
                    "' >'" + (dir / "out").string() + "' 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream out(dir / "out");
  std::string output((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("kubernetes"), std::string::npos) << output;
}

}  // namespace
}  // namespace retrain::it
