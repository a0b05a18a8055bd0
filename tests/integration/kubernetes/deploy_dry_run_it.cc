// Every manifest of deploy/kubernetes/ is sent to the real API server with ?dryRun=All, so the
// server's validation and admission (RBAC escalation checks, PodSecurity warnings) judge them:
// the files of base/ one by one, and what `kubectl kustomize` renders for both variants (the
// single-replica one, deploy/kubernetes, and the high-availability overlay, deploy/kubernetes/ha).
// A Job built by the manifest builder is dry-run into the namespace that enforces the
// restricted Pod Security profile, and must not draw a single warning.
//
// Env: RETRAIN_DEPLOY_DIR (the repository's deploy/), RETRAIN_KUBECTL (default: kubectl on PATH).

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
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
      {"policy/v1/PodDisruptionBudget", {"/apis/policy/v1", "poddisruptionbudgets", "policy"}},
      {"rbac.authorization.k8s.io/v1/Role",
       {"/apis/rbac.authorization.k8s.io/v1", "roles", "rbac.authorization.k8s.io"}},
      {"rbac.authorization.k8s.io/v1/RoleBinding",
       {"/apis/rbac.authorization.k8s.io/v1", "rolebindings", "rbac.authorization.k8s.io"}},
  };
  auto it = kinds.find(api_version + "/" + kind);
  if (it == kinds.end()) return std::nullopt;
  return it->second;
}

std::string KubernetesDir() { return Env("RETRAIN_DEPLOY_DIR") + "/kubernetes"; }

// The objects of every YAML document in `text`.
void ParseObjects(const std::string& text, const std::string& what, std::vector<json>* out) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    FAIL() << what << " is not valid YAML: " << e.what();
  }
  for (const auto& d : docs)
    if (d && d.IsMap()) out->push_back(ToJson(d));
}

// The documents of every manifest file in deploy/kubernetes/base/.
void LoadBaseFiles(std::vector<json>* out) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(KubernetesDir() + "/base"))
    if (e.path().extension() == ".yaml" && e.path().filename() != "kustomization.yaml")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 6u);
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_NO_FATAL_FAILURE(ParseObjects(text, f.string(), out));
  }
}

// What `kubectl kustomize DIR` renders, as objects.
void Kustomize(const std::string& dir, std::vector<json>* out) {
  std::string kubectl = Env("RETRAIN_KUBECTL");
  if (kubectl.empty()) kubectl = "kubectl";
  std::string cmd = "'" + kubectl + "' kustomize '" + dir + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr) << "cannot run " << cmd;
  std::string text;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
  int rc = pclose(p);
  ASSERT_EQ(rc, 0) << cmd << " failed:\n" << text;
  ASSERT_NO_FATAL_FAILURE(ParseObjects(text, "kubectl kustomize " + dir, out));
  ASSERT_FALSE(out->empty()) << "kubectl kustomize " << dir << " rendered nothing";
}

// j[k1][k2]..., or null where a key is missing.
json Get(const json& j, std::initializer_list<std::string> path) {
  const json* p = &j;
  for (const auto& k : path) {
    if (!p->is_object() || !p->contains(k)) return nullptr;
    p = &(*p)[k];
  }
  return *p;
}

std::string KindName(const json& o) {
  return o.value("kind", "") + " " + o["metadata"].value("name", "");
}

// Sends every object to the API server with ?dryRun=All; each must be accepted without a
// warning. Namespaces are created for real first (namespaced dry runs need them).
void DryRunAll(KubeClient& admin, const std::vector<json>& objects, const std::string& what) {
  for (const auto& o : objects) {
    if (o["kind"] != "Namespace") continue;
    auto r = admin.CreateObject(*ResourceFor("v1", "Namespace"), "", o);
    if (!r) {
      ASSERT_EQ(r.error().code, ErrorCode::kAlreadyExists) << r.error().message;
    }
  }
  for (const auto& o : objects) {
    std::string kind = o.value("kind", "");
    auto res = ResourceFor(o.value("apiVersion", ""), kind);
    ASSERT_TRUE(res.has_value()) << what << ": no resource mapping for "
                                 << o.value("apiVersion", "") << " " << kind;
    if (kind == "Namespace") continue;
    std::string ns = o["metadata"].value("namespace", "");
    EXPECT_FALSE(ns.empty()) << what << ": " << KindName(o) << " names no namespace";
    auto r = admin.Raw("POST", KubePath(*res, ns) + "?dryRun=All", o.dump(), "application/json");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(r->status == 201 || r->status == 200)
        << what << ": " << KindName(o) << ": HTTP " << r->status << " " << r->body;
    EXPECT_EQ(r->Header("warning"), "") << what << ": " << KindName(o);
  }
}

std::multiset<std::string> KindNames(const std::vector<json>& objects) {
  std::multiset<std::string> out;
  for (const auto& o : objects) out.insert(KindName(o));
  return out;
}

std::vector<json> OfKind(const std::vector<json>& objects, const std::string& kind) {
  std::vector<json> out;
  for (const auto& o : objects)
    if (o.value("kind", "") == kind) out.push_back(o);
  return out;
}

// The env entry `name` of the container, or null.
json EnvVar(const json& container, const std::string& name) {
  for (const auto& e : container.value("env", json::array()))
    if (e.value("name", "") == name) return e;
  return nullptr;
}

// The configuration file in a retrain-config ConfigMap, parsed.
json ConfigOf(const json& config_map) {
  json text = Get(config_map, {"data", "mlflow_retraining.yaml"});
  EXPECT_TRUE(text.is_string()) << "no mlflow_retraining.yaml in " << config_map.dump();
  if (!text.is_string()) return json::object();
  return ToJson(YAML::Load(text.get<std::string>()));
}

TEST(DeployManifests, PassServerSideDryRun) {
  auto admin = AdminClient();
  ASSERT_NE(admin, nullptr);
  ASSERT_FALSE(Env("RETRAIN_DEPLOY_DIR").empty());
  std::vector<json> objects;
  ASSERT_NO_FATAL_FAILURE(LoadBaseFiles(&objects));
  ASSERT_NO_FATAL_FAILURE(DryRunAll(*admin, objects, "deploy/kubernetes/base"));
  std::set<std::string> kinds;
  for (const auto& o : objects) kinds.insert(o.value("kind", ""));
  for (const char* k : {"Deployment", "Service", "ServiceAccount", "Role", "RoleBinding",
                        "ConfigMap", "PersistentVolumeClaim"})
    EXPECT_TRUE(kinds.contains(k)) << "deploy/kubernetes/base has no " << k;
}

// `kubectl apply -k deploy/kubernetes` applies the single-replica variant: every file of base/,
// nothing left out and nothing changed on the way.
TEST(DeployManifests, SingleReplicaKustomizationRendersEveryBaseManifest) {
  ASSERT_FALSE(Env("RETRAIN_DEPLOY_DIR").empty());
  std::vector<json> files, rendered;
  ASSERT_NO_FATAL_FAILURE(LoadBaseFiles(&files));
  ASSERT_NO_FATAL_FAILURE(Kustomize(KubernetesDir(), &rendered));
  EXPECT_EQ(KindNames(rendered), KindNames(files));
  for (const auto& d : OfKind(rendered, "Deployment")) {
    EXPECT_EQ(Get(d, {"spec", "replicas"}), 1) << "the SQLite store serves one replica";
    EXPECT_EQ(Get(d, {"spec", "strategy", "type"}), "Recreate");
  }
}

// The high-availability overlay, as `kubectl apply -k deploy/kubernetes/ha` would send it.
TEST(DeployManifests, HighAvailabilityOverlayPassesServerSideDryRun) {
  auto admin = AdminClient();
  ASSERT_NE(admin, nullptr);
  ASSERT_FALSE(Env("RETRAIN_DEPLOY_DIR").empty());
  std::vector<json> objects;
  ASSERT_NO_FATAL_FAILURE(Kustomize(KubernetesDir() + "/ha", &objects));
  ASSERT_NO_FATAL_FAILURE(DryRunAll(*admin, objects, "deploy/kubernetes/ha"));

  EXPECT_TRUE(OfKind(objects, "PersistentVolumeClaim").empty())
      << "the HA variant keeps its store in PostgreSQL, not on a volume";
  auto deployments = OfKind(objects, "Deployment");
  ASSERT_EQ(deployments.size(), 1u);
  const json& deployment = deployments[0];
  EXPECT_EQ(Get(deployment, {"spec", "replicas"}), 3);
  EXPECT_EQ(Get(deployment, {"spec", "strategy", "type"}), "RollingUpdate");
  EXPECT_EQ(Get(deployment, {"spec", "strategy", "rollingUpdate", "maxUnavailable"}), 0)
      << "a rollout must not take a serving replica away before its successor is ready";
  json pod = Get(deployment, {"spec", "template", "spec"});
  EXPECT_TRUE(Get(pod, {"affinity", "podAntiAffinity"}).is_object())
      << "replicas should spread over nodes";
  for (const auto& v : Get(pod, {"volumes"}))
    EXPECT_FALSE(v.contains("persistentVolumeClaim")) << v.dump();
  json pod_labels = Get(deployment, {"spec", "template", "metadata", "labels"});

  json containers = Get(pod, {"containers"});
  ASSERT_TRUE(containers.is_array() && containers.size() == 1u) << containers.dump();
  const json& container = containers[0];
  json uri = EnvVar(container, "RETRAIN_STORE_URI");
  ASSERT_TRUE(uri.is_object()) << "the container has no RETRAIN_STORE_URI";
  json ref = Get(uri, {"valueFrom", "secretKeyRef"});
  ASSERT_TRUE(ref.is_object()) << "RETRAIN_STORE_URI must come from a Secret: " << uri.dump();
  auto secrets = OfKind(objects, "Secret");
  auto secret = std::find_if(secrets.begin(), secrets.end(), [&](const json& s) {
    return Get(s, {"metadata", "name"}) == ref.value("name", "");
  });
  ASSERT_NE(secret, secrets.end()) << "no Secret " << ref.dump() << " in the overlay";
  std::string key = ref.value("key", "");
  EXPECT_TRUE(!Get(*secret, {"data", key}).is_null() ||
              !Get(*secret, {"stringData", key}).is_null())
      << "Secret " << ref.dump() << " has no key " << key;
  json id = EnvVar(container, "RETRAIN_REPLICA_ID");
  ASSERT_TRUE(id.is_object()) << "the container has no RETRAIN_REPLICA_ID";
  EXPECT_EQ(Get(id, {"valueFrom", "fieldRef", "fieldPath"}), "metadata.name") << id.dump();

  auto budgets = OfKind(objects, "PodDisruptionBudget");
  ASSERT_EQ(budgets.size(), 1u) << "the HA variant needs a PodDisruptionBudget";
  EXPECT_EQ(budgets[0].value("apiVersion", ""), "policy/v1");
  json selector = Get(budgets[0], {"spec", "selector", "matchLabels"});
  ASSERT_TRUE(selector.is_object() && !selector.empty()) << budgets[0].dump();
  for (const auto& [k, v] : selector.items())
    EXPECT_EQ(Get(pod_labels, {k}), v) << "the budget does not select the retrain pods";
  // Three replicas: at most one away at a time (maxUnavailable 1, or minAvailable 2).
  json budget = Get(budgets[0], {"spec"});
  EXPECT_TRUE(Get(budget, {"maxUnavailable"}) == 1 || Get(budget, {"minAvailable"}) == 2)
      << budget.dump();

  auto maps = OfKind(objects, "ConfigMap");
  ASSERT_EQ(maps.size(), 1u);
  json config = ConfigOf(maps[0]);
  EXPECT_EQ(Get(config, {"store", "driver"}), "postgres");
  EXPECT_TRUE(Get(config, {"store", "path"}).is_null()) << "no SQLite file in the HA variant";
  EXPECT_FALSE(Get(config, {"server", "leader", "leaseDuration"}).is_null())
      << "the HA config sets no server.leader.leaseDuration";
  EXPECT_FALSE(Get(config, {"server", "leader", "renewInterval"}).is_null())
      << "the HA config sets no server.leader.renewInterval";
}

// The overlay's configuration file is the base one with only the store and the leader lease
// changed: a model or setting added to one of them and not the other fails here.
TEST(DeployManifests, HighAvailabilityConfigDiffersOnlyInStoreAndLeader) {
  ASSERT_FALSE(Env("RETRAIN_DEPLOY_DIR").empty());
  std::vector<json> base, ha;
  ASSERT_NO_FATAL_FAILURE(LoadBaseFiles(&base));
  ASSERT_NO_FATAL_FAILURE(Kustomize(KubernetesDir() + "/ha", &ha));
  auto base_maps = OfKind(base, "ConfigMap");
  auto ha_maps = OfKind(ha, "ConfigMap");
  ASSERT_EQ(base_maps.size(), 1u);
  ASSERT_EQ(ha_maps.size(), 1u);
  json b = ConfigOf(base_maps[0]), h = ConfigOf(ha_maps[0]);
  b.erase("store");
  h.erase("store");
  if (h.contains("server")) h["server"].erase("leader");
  EXPECT_EQ(h, b) << "deploy/kubernetes/ha/configmap-patch.yaml has drifted from "
                     "deploy/kubernetes/base/configmap.yaml";
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

// `retrain config check` on a configuration text, with `env` (NAME=value ...) set; returns the
// exit code and the output.
std::pair<int, std::string> ConfigCheck(const std::string& bin, const std::string& text,
                                        const std::string& env) {
  fs::path dir = fs::temp_directory_path() / ("retrain-cm-" + RandomHex(4));
  fs::create_directories(dir);
  std::string cfg = (dir / "config.yaml").string();
  std::ofstream(cfg) << text;
  std::string cmd = "env -u RETRAIN_EXECUTOR -u RETRAINING_NAMESPACE -u RETRAIN_STORE_URI " + env +
                    " '" + bin + "' config check --config '" + cfg + "' --data-dir '" +
                    (dir / "data").string() + "' >'" + (dir / "out").string() + "' 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream out(dir / "out");
  std::string output((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  return {rc, output};
}

TEST(DeployManifests, ConfigMapConfigPassesConfigCheck) {
  std::string bin = Env("RETRAIN_BIN");
  if (bin.empty() || !fs::exists(bin)) GTEST_SKIP() << "RETRAIN_BIN is not set to a built retrain";
  YAML::Node cm = YAML::LoadFile(KubernetesDir() + "/base/configmap.yaml");
  auto [rc, output] = ConfigCheck(bin, cm["data"]["mlflow_retraining.yaml"].as<std::string>(), "");
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("kubernetes"), std::string::npos) << output;
}

TEST(DeployManifests, HighAvailabilityConfigPassesConfigCheck) {
  std::string bin = Env("RETRAIN_BIN");
  if (bin.empty() || !fs::exists(bin)) GTEST_SKIP() << "RETRAIN_BIN is not set to a built retrain";
  std::vector<json> objects;
  ASSERT_NO_FATAL_FAILURE(Kustomize(KubernetesDir() + "/ha", &objects));
  auto maps = OfKind(objects, "ConfigMap");
  ASSERT_EQ(maps.size(), 1u);
  // As in the pod: the URI from the Secret, the replica id from the pod name.
  auto [rc, output] = ConfigCheck(
      bin, maps[0]["data"]["mlflow_retraining.yaml"].get<std::string>(),
      "RETRAIN_STORE_URI=postgresql://retrain@postgres:5432/retrain RETRAIN_REPLICA_ID=retrain-0");
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("postgres"), std::string::npos) << output;
}

}  // namespace
}  // namespace retrain::it
