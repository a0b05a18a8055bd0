#include "exec/kubernetes/kube_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "../../temp_dir.h"

namespace retrain {
namespace {

namespace fs = std::filesystem;

// base64 of "CA-PEM", "CERT-PEM", "KEY-PEM"
constexpr const char* kCaB64 = "Q0EtUEVN";
constexpr const char* kCertB64 = "Q0VSVC1QRU0=";
constexpr const char* kKeyB64 = "S0VZLVBFTQ==";

using testing::TempDir;

std::string EmbeddedConfig() {
  return std::string(R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: c1
  cluster:
    server: https://10.1.2.3:6443/
    certificate-authority-data: )") +
         kCaB64 + R"(
contexts:
- name: prod
  context: {cluster: c1, user: u1, namespace: ml}
- name: other
  context: {cluster: c1, user: u2}
users:
- name: u1
  user:
    client-certificate-data: )" +
         kCertB64 + R"(
    client-key-data: )" +
         kKeyB64 + R"(
- name: u2
  user:
    token: abc.def
)";
}

TEST(Kubeconfig, EmbeddedDataAndCurrentContext) {
  auto c = ParseKubeconfig(EmbeddedConfig(), "/x", "", "test");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server, "https://10.1.2.3:6443");
  EXPECT_EQ(c->namespace_, "ml");
  EXPECT_TRUE(c->tls.verify);
  EXPECT_EQ(c->tls.ca_pem, "CA-PEM");
  EXPECT_EQ(c->tls.client_cert_pem, "CERT-PEM");
  EXPECT_EQ(c->tls.client_key_pem, "KEY-PEM");
  EXPECT_EQ(c->token, "");
  EXPECT_EQ(c->user, "u1");
}

TEST(Kubeconfig, NamedContextWithToken) {
  auto c = ParseKubeconfig(EmbeddedConfig(), "/x", "other", "test");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->token, "abc.def");
  EXPECT_EQ(c->namespace_, "");
  EXPECT_TRUE(c->tls.client_cert_pem.empty());
}

TEST(Kubeconfig, FilesAreRelativeToTheKubeconfig) {
  TempDir dir;
  dir.Write("creds/token", "file-token\n");
  std::string path = dir.Write("kube/config", R"(
current-context: a
clusters:
- name: c
  cluster: {server: "https://k:443", certificate-authority: ../creds/ca.crt}
contexts:
- name: a
  context: {cluster: c, user: u}
users:
- name: u
  user:
    client-certificate: /abs/cert.pem
    client-key: ../creds/key.pem
    tokenFile: ../creds/token
)");
  auto c = LoadKubeconfig(path, {});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(fs::path(c->tls.ca_file).lexically_normal(), fs::path(dir.path() + "/creds/ca.crt"));
  EXPECT_EQ(c->tls.client_cert_file, "/abs/cert.pem");
  EXPECT_EQ(fs::path(c->tls.client_key_file).lexically_normal(),
            fs::path(dir.path() + "/creds/key.pem"));
  EXPECT_EQ(c->token, "file-token");
  EXPECT_FALSE(c->token_file.empty());
}

struct BadCase {
  std::string yaml;
  std::string expected_fragment;
};

TEST(Kubeconfig, RejectsUnsafeOrBrokenConfigs) {
  std::string head = "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n";
  std::vector<BadCase> cases = {
      {head + "clusters:\n- name: c\n  cluster: {server: 'https://k', insecure-skip-tls-verify: "
              "true}\nusers:\n- name: u\n  user: {token: t}\n",
       "insecure-skip-tls-verify"},
      {head + "clusters:\n- name: c\n  cluster: {server: 'http://k'}\nusers:\n- name: u\n  user: "
              "{token: t}\n",
       "https:// URL is required"},
      {head + "clusters:\n- name: c\n  cluster: {server: 'https://k'}\nusers:\n- name: u\n  "
              "user:\n    exec: {command: aws}\n",
       "exec or auth-provider"},
      {head +
           "clusters:\n- name: c\n  cluster: {server: 'https://k'}\nusers:\n- name: u\n  user: "
           "{client-certificate-data: " +
           std::string(kCertB64) + "}\n",
       "without a key"},
      {head + "clusters: []\nusers: []\n", "no cluster named \"c\""},
      {"current-context: nope\ncontexts: []\n", "no context named \"nope\""},
      {"clusters: []\n", "no current-context"},
      {"[1, 2", "not valid YAML"},
      {head + "clusters:\n- name: c\n  cluster: {server: 'https://k', certificate-authority-data: "
              "'!!!'}\n",
       "not base64"},
  };
  for (const auto& bc : cases) {
    auto c = ParseKubeconfig(bc.yaml, "/x", "", "cfg");
    ASSERT_FALSE(c.has_value()) << bc.yaml;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument) << bc.yaml;
    EXPECT_NE(c.error().message.find(bc.expected_fragment), std::string::npos) << c.error().message;
  }
}

TEST(Kubeconfig, KubeconfigListMergesFilesInOrder) {
  TempDir dir;
  std::string a = dir.Write(
      "a", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n");
  std::string b = dir.Write("b",
                            "current-context: ignored\nclusters:\n- name: c\n  cluster: {server: "
                            "'https://b'}\nusers:\n- name: u\n  user: {token: tb}\n");
  auto c = LoadKubeconfig("", {{"KUBECONFIG", a + ":" + dir.path() + "/missing:" + b}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server, "https://b");
  EXPECT_EQ(c->token, "tb");
}

TEST(Kubeconfig, DefaultsToHomeAndReportsMissingFiles) {
  TempDir dir;
  auto missing = LoadKubeconfig("", {{"HOME", dir.path()}});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  dir.Write(".kube/config", EmbeddedConfig());
  auto c = LoadKubeconfig("", {{"HOME", dir.path()}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server, "https://10.1.2.3:6443");
  auto explicit_missing = LoadKubeconfig(dir.path() + "/nope", {});
  ASSERT_FALSE(explicit_missing.has_value());
  EXPECT_EQ(explicit_missing.error().code, ErrorCode::kNotFound);
}

TEST(InCluster, ReadsTheServiceAccountFiles) {
  TempDir dir;
  InClusterPaths paths{dir.Write("token", "sa-token\n"), dir.Write("ca.crt", "CA"),
                       dir.Write("namespace", "ml\n")};
  auto c = LoadInClusterConfig(
      {{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}, paths);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server, "https://10.0.0.1:443");
  EXPECT_EQ(c->token, "sa-token");
  EXPECT_EQ(c->token_file, paths.token);
  EXPECT_EQ(c->tls.ca_pem, "CA");
  EXPECT_EQ(c->namespace_, "ml");
  auto v6 = LoadInClusterConfig(
      {{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}, paths);
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->server, "https://[fd00::1]:6443");
}

TEST(InCluster, NotInAPod) {
  auto c = LoadInClusterConfig({}, {});
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kNotFound);
  TempDir dir;
  InClusterPaths paths{dir.path() + "/none", dir.path() + "/none", dir.path() + "/none"};
  auto no_token = LoadInClusterConfig(
      {{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}}, paths);
  ASSERT_FALSE(no_token.has_value());
  EXPECT_EQ(no_token.error().code, ErrorCode::kNotFound);
}

TEST(AutoConfig, ExplicitPathWinsThenInClusterThenKubeconfig) {
  TempDir dir;
  std::string path = dir.Write("cfg", EmbeddedConfig());
  auto c = LoadKubeConfigAuto(path, {{"KUBERNETES_SERVICE_HOST", "h"}});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->server, "https://10.1.2.3:6443");
  auto from_env = LoadKubeConfigAuto("", {{"KUBECONFIG", path}});
  ASSERT_TRUE(from_env.has_value());
  EXPECT_EQ(from_env->source, path);
  // In-cluster is chosen when KUBERNETES_SERVICE_HOST is set (and fails here: no pod files).
  auto in_cluster = LoadKubeConfigAuto(
      "",
      {{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}, {"KUBECONFIG", path}});
  ASSERT_FALSE(in_cluster.has_value());
  EXPECT_EQ(in_cluster.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace retrain
