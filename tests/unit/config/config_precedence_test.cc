// ${VAR} expansion and the precedence flag > environment > file > default, with origins.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "config/config.h"
#include "config_test_util.h"

namespace retrain {
namespace {

using testing::LineOf;
using testing::ParseText;
using testing::ShippedConfigPath;
using testing::TempDir;

using Env = std::map<std::string, std::string>;

TEST(ExpandVariablesTest, SetVariable) {
  EXPECT_EQ(ExpandVariables("a-${X}-b", {{"X", "1"}}), std::string("a-1-b"));
  EXPECT_EQ(ExpandVariables("${X}${Y}", {{"X", "1"}, {"Y", "2"}}), std::string("12"));
  EXPECT_EQ(ExpandVariables("${X_1}", {{"X_1", "v"}}), std::string("v"));
}

TEST(ExpandVariablesTest, DefaultWhenUnsetOrEmpty) {
  EXPECT_EQ(ExpandVariables("${X:-http://mlflow:5000}", {}), std::string("http://mlflow:5000"));
  EXPECT_EQ(ExpandVariables("${X:-d}", {{"X", ""}}), std::string("d"));
  EXPECT_EQ(ExpandVariables("${X:-d}", {{"X", "v"}}), std::string("v"));
  EXPECT_EQ(ExpandVariables("${X:-}", {}), std::string(""));
}

TEST(ExpandVariablesTest, SetButEmptyWithoutDefaultIsEmpty) {
  EXPECT_EQ(ExpandVariables("[${X}]", {{"X", ""}}), std::string("[]"));
}

TEST(ExpandVariablesTest, DollarEscapesAndLoneDollars) {
  EXPECT_EQ(ExpandVariables("$$", {}), std::string("$"));
  EXPECT_EQ(ExpandVariables("cost $$5", {}), std::string("cost $5"));
  EXPECT_EQ(ExpandVariables("$${X}", {{"X", "1"}}), std::string("${X}"));
  EXPECT_EQ(ExpandVariables("$X and $", {{"X", "1"}}), std::string("$X and $"));
  EXPECT_EQ(ExpandVariables("no variables", {}), std::string("no variables"));
}

TEST(ExpandVariablesTest, UnsetVariableIsAnError) {
  auto r = ExpandVariables("x ${MISSING_ONE} y", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("MISSING_ONE"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("not set"), std::string::npos) << r.error().message;
}

TEST(ExpandVariablesTest, MalformedReferences) {
  for (const char* bad : {"${X", "${}", "${A-B}", "${A B}", "${:-d}"}) {
    auto r = ExpandVariables(bad, {{"X", "1"}, {"A", "1"}});
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(PrecedenceTest, DataDirDefaultEnvFlag) {
  auto c = ParseText("");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->data_dir, ".retrain");
  EXPECT_EQ(c->origins.count("dataDir"), 0u);

  c = ParseText("", {{"RETRAIN_DATA_DIR", "/env/dir"}});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->data_dir, "/env/dir");
  EXPECT_EQ(c->origins["dataDir"], "env RETRAIN_DATA_DIR");

  ConfigInputs in;
  in.env = {{"RETRAIN_DATA_DIR", "/env/dir"}};
  in.data_dir = "/flag/dir";
  c = ParseConfig("", "test.yaml", in);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->data_dir, "/flag/dir");
  EXPECT_EQ(c->origins["dataDir"], "flag --data-dir");
}

TEST(PrecedenceTest, ListenFileEnvFlag) {
  const std::string yaml = "server:\n  listen: 127.0.0.2:8081\n";
  auto c = ParseText(yaml);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->server.host, "127.0.0.2");
  EXPECT_EQ(c->server.port, 8081);
  EXPECT_EQ(c->origins["server.listen"], "file test.yaml:2");

  c = ParseText(yaml, {{"RETRAIN_LISTEN", "0.0.0.0:9000"}});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->server.host, "0.0.0.0");
  EXPECT_EQ(c->server.port, 9000);
  EXPECT_EQ(c->origins["server.listen"], "env RETRAIN_LISTEN");

  ConfigInputs in;
  in.env = {{"RETRAIN_LISTEN", "0.0.0.0:9000"}};
  in.listen = "127.0.0.1:0";
  c = ParseConfig(yaml, "test.yaml", in);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->server.host, "127.0.0.1");
  EXPECT_EQ(c->server.port, 0);
  EXPECT_EQ(c->origins["server.listen"], "flag --listen");
}

TEST(PrecedenceTest, BadListenFromEnvOrFlagIsNamed) {
  auto c = ParseText("", {{"RETRAIN_LISTEN", "nohost"}});
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().api_code, "invalid_config");
  EXPECT_NE(c.error().message.find("RETRAIN_LISTEN"), std::string::npos) << c.error().message;
  ConfigInputs in;
  in.listen = "127.0.0.1:99999";
  c = ParseConfig("", "test.yaml", in);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().api_code, "invalid_config");
  EXPECT_NE(c.error().message.find("--listen"), std::string::npos) << c.error().message;
}

TEST(PrecedenceTest, TrackingUriEnvOverFileOverDefault) {
  auto c = ParseText("");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->experiment.tracking_uri, "mlruns");

  const std::string yaml = "experiment:\n  tracking_uri: http://file-mlflow:5000\n";
  c = ParseText(yaml);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->experiment.tracking_uri, "http://file-mlflow:5000");
  EXPECT_EQ(c->origins["experiment.tracking_uri"], "file test.yaml:2");

  c = ParseText(yaml, {{"MLFLOW_TRACKING_URI", "http://env-mlflow:5000"}});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->experiment.tracking_uri, "http://env-mlflow:5000");
  EXPECT_EQ(c->origins["experiment.tracking_uri"], "env MLFLOW_TRACKING_URI");

  // An empty variable counts as unset.
  c = ParseText(yaml, {{"MLFLOW_TRACKING_URI", ""}});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->experiment.tracking_uri, "http://file-mlflow:5000");
}

TEST(PrecedenceTest, SeedEnvironmentVariables) {
  const std::string yaml =
      "experiment:\n  name: file-exp\n"
      "feed:\n  neo4j:\n    uri: bolt://file:7687\n    user: fileuser\n    password: filepass\n"
      "executor:\n  kubernetes:\n    namespace: file-ns\n";
  auto c = ParseText(yaml, {{"NEO4J_PASSWORD", "envpass"},
                            {"NEO4J_USER", "envuser"},
                            {"NEO4J_URI", "neo4j+s://env:7687"},
                            {"RETRAINING_NAMESPACE", "ml"},
                            {"MLFLOW_RETRAINING_EXPERIMENT", "env-exp"},
                            {"MLFLOW_ARTIFACT_URI", "s3://bucket/x"}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->feed.neo4j_password, "envpass");
  EXPECT_EQ(c->origins["feed.neo4j.password"], "env NEO4J_PASSWORD");
  EXPECT_EQ(c->feed.neo4j_user, "envuser");
  EXPECT_EQ(c->origins["feed.neo4j.user"], "env NEO4J_USER");
  EXPECT_EQ(c->feed.neo4j_uri, "neo4j+s://env:7687");
  EXPECT_EQ(c->origins["feed.neo4j.uri"], "env NEO4J_URI");
  EXPECT_EQ(c->executor.kubernetes.namespace_, "ml");
  EXPECT_EQ(c->origins["executor.kubernetes.namespace"], "env RETRAINING_NAMESPACE");
  EXPECT_EQ(c->experiment.name, "env-exp");
  EXPECT_EQ(c->origins["experiment.name"], "env MLFLOW_RETRAINING_EXPERIMENT");
  EXPECT_EQ(c->experiment.artifact_location, "s3://bucket/x");
  EXPECT_EQ(c->origins["experiment.artifact_location"], "env MLFLOW_ARTIFACT_URI");

  // Without the environment the file's values and lines stand.
  c = ParseText(yaml);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->feed.neo4j_password, "filepass");
  EXPECT_EQ(c->origins["feed.neo4j.password"], "file test.yaml:7");
  EXPECT_EQ(c->executor.kubernetes.namespace_, "file-ns");
  EXPECT_EQ(c->origins["executor.kubernetes.namespace"], "file test.yaml:10");
}

TEST(PrecedenceTest, NamespaceDefaultsToDefault) {
  auto c = ParseText("");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->executor.kubernetes.namespace_, "default");
}

TEST(LoadConfigTest, ExplicitMissingFileIsAnError) {
  TempDir dir;
  ConfigInputs in;
  in.config_path = dir.path() + "/missing.yaml";
  in.config_path_explicit = true;
  auto c = LoadConfig(in);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.error().api_code, "invalid_config");
  EXPECT_NE(c.error().message.find("missing.yaml"), std::string::npos) << c.error().message;
}

TEST(LoadConfigTest, ExplicitFileIsRead) {
  TempDir dir;
  std::string path = dir.Write("c.yaml", "server:\n  threads: 7\nmodels:\n  - id: only\n");
  ConfigInputs in;
  in.config_path = path;
  in.config_path_explicit = true;
  auto c = LoadConfig(in);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->config_path, path);
  EXPECT_EQ(c->server.threads, 7);
  EXPECT_EQ(c->origins["server.threads"], "file " + path + ":2");
  ASSERT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->models[0].id, "only");
}

TEST(LoadConfigTest, ErrorsInTheFileNameIt) {
  TempDir dir;
  std::string path = dir.Write("bad.yaml", "server:\n  threads: x\n");
  ConfigInputs in;
  in.config_path = path;
  in.config_path_explicit = true;
  auto c = LoadConfig(in);
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find(path + ":2"), std::string::npos) << c.error().message;
}

// Runs in an empty working directory, so the default relative path does not exist.
TEST(LoadConfigTest, MissingDefaultFileFallsBackToTheShippedConfig) {
  TempDir dir;
  auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  ConfigInputs in;  // no --config
  auto c = LoadConfig(in);
  std::filesystem::current_path(old);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->config_path.rfind("(built-in)", 0), 0u) << c->config_path;
  EXPECT_NE(c->config_path.find(kDefaultConfigPath), std::string::npos);

  // The built-in text is the shipped file.
  ConfigInputs shipped_in;
  auto shipped = ParseConfig(testing::ReadFile(ShippedConfigPath()), "shipped", shipped_in);
  ASSERT_TRUE(shipped.has_value());
  ASSERT_EQ(c->models.size(), shipped->models.size());
  for (size_t i = 0; i < c->models.size(); ++i) {
    EXPECT_EQ(c->models[i].id, shipped->models[i].id);
    EXPECT_EQ(c->models[i].min_records, shipped->models[i].min_records);
  }
  EXPECT_EQ(c->experiment.tags, shipped->experiment.tags);
  EXPECT_EQ(c->experiment.description, shipped->experiment.description);
}

TEST(LoadConfigTest, DefaultPathInTheWorkingDirectoryIsRead) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/ml/config");
  dir.Write("ml/config/mlflow_retraining.yaml", "models:\n  - id: local-one\n");
  auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  ConfigInputs in;
  auto c = LoadConfig(in);
  std::filesystem::current_path(old);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->config_path, kDefaultConfigPath);
  ASSERT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->models[0].id, "local-one");
}

TEST(LoadConfigTest, FlagsApplyToTheBuiltInConfigToo) {
  ConfigInputs in;
  in.config_path = "/nonexistent/retrain/config.yaml";  // not explicit: falls back
  in.data_dir = "/tmp/flag-dir";
  in.listen = "127.0.0.1:18080";
  in.env = {{"RETRAIN_DATA_DIR", "/tmp/env-dir"}};
  auto c = LoadConfig(in);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->data_dir, "/tmp/flag-dir");
  EXPECT_EQ(c->server.port, 18080);
  EXPECT_EQ(c->origins["server.listen"], "flag --listen");
}

TEST(ProcessEnvironmentTest, ReadsTheRealEnvironment) {
  ASSERT_EQ(setenv("RETRAIN_UNIT_TEST_VAR", "a=b", 1), 0);
  auto env = ProcessEnvironment();
  unsetenv("RETRAIN_UNIT_TEST_VAR");
  EXPECT_EQ(env["RETRAIN_UNIT_TEST_VAR"], "a=b");
}

}  // namespace
}  // namespace retrain
