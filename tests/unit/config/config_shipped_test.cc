// The shipped ml/config/mlflow_retraining.yaml parses to the documented effective values.

#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_util.h"

namespace retrain {
namespace {

using testing::LineOf;
using testing::ReadFile;
using testing::ShippedConfigPath;

class ShippedConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    text_ = ReadFile(ShippedConfigPath());
    ASSERT_FALSE(text_.empty()) << "cannot read " << ShippedConfigPath();
  }
  Result<Config> Parse(const std::map<std::string, std::string>& env = {}) {
    ConfigInputs in;
    in.env = env;
    return ParseConfig(text_, ShippedConfigPath(), in);
  }
  std::string text_;
};

TEST_F(ShippedConfigTest, ExperimentBlockKeepsTheSeedValues) {
  auto c = Parse();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->experiment.name, "intelgraph-retraining");
  EXPECT_EQ(c->experiment.description.rfind("Automated retraining runs for IntelGraph models.", 0),
            0u)
      << c->experiment.description;
  EXPECT_NE(c->experiment.description.find("Kubernetes retraining job"), std::string::npos);
  EXPECT_NE(c->experiment.description.find("evaluation metrics"), std::string::npos);
  EXPECT_EQ(c->experiment.tracking_uri, "mlruns");
  EXPECT_EQ(c->experiment.artifact_location, "");
  std::map<std::string, std::string> tags = {{"owner", "ml-platform"},
                                             {"pipeline", "feed-processor"},
                                             {"purpose", "automated-retraining"}};
  EXPECT_EQ(c->experiment.tags, tags);
}

TEST_F(ShippedConfigTest, ServerStoreFeedExecutorTrigger) {
  auto c = Parse();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->data_dir, ".retrain");
  EXPECT_EQ(c->server.host, "127.0.0.1");
  EXPECT_EQ(c->server.port, 8080);
  EXPECT_EQ(c->server.threads, 2);
  EXPECT_EQ(c->server.max_body_bytes, 1048576);
  EXPECT_TRUE(c->server.callback_auth);
  EXPECT_EQ(c->server.callback_secret, "");
  EXPECT_EQ(c->server.public_url, "");
  EXPECT_EQ(c->store.driver, "sqlite");
  EXPECT_EQ(c->store.path, "jobs.db");
  EXPECT_EQ(c->store.uri, "");
  EXPECT_EQ(c->feed.source, "embedded");
  EXPECT_EQ(c->feed.path, "feed.db");  // the embedded default when the file leaves it empty
  EXPECT_EQ(c->feed.poll_interval_ms, 5'000);
  EXPECT_EQ(c->feed.settle_lag_ms, 0);
  EXPECT_EQ(c->feed.neo4j_uri, "bolt://localhost:7687");
  EXPECT_EQ(c->feed.neo4j_user, "neo4j");
  EXPECT_EQ(c->feed.neo4j_password, "");
  EXPECT_EQ(c->feed.neo4j_database, "neo4j");
  EXPECT_EQ(c->executor.kind, "local");
  EXPECT_EQ(c->executor.max_concurrent, 2);
  EXPECT_EQ(c->executor.kill_grace_ms, 5'000);
  EXPECT_EQ(c->executor.kubernetes.namespace_, "default");
  EXPECT_EQ(c->executor.kubernetes.image, "retrain-worker:latest");
  EXPECT_EQ(c->executor.kubernetes.service_account, "");
  EXPECT_TRUE(c->trigger.automatic);
  EXPECT_EQ(c->trigger.reconcile_interval_ms, 1'000);
  EXPECT_EQ(c->trigger.heartbeat_timeout_ms, 0);
}

TEST_F(ShippedConfigTest, Models) {
  auto c = Parse();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  ASSERT_EQ(c->models.size(), 2u);
  const ModelSettings& a = c->models[0];
  EXPECT_EQ(a.id, "threat-scorer");
  EXPECT_EQ(a.min_records, 50);
  EXPECT_TRUE(a.entity_types.empty());
  EXPECT_TRUE(a.command.empty());
  EXPECT_EQ(a.timeout_ms, 30 * 60'000);
  EXPECT_EQ(a.max_attempts, 3);
  EXPECT_FALSE(a.max_wait_ms.has_value());
  EXPECT_EQ(a.cooldown_ms, 0);
  EXPECT_FALSE(a.schedule.has_value());
  std::map<std::string, std::string> params = {{"num_round", "40"}, {"max_depth", "4"}};
  EXPECT_EQ(a.params, params);

  const ModelSettings& b = c->models[1];
  EXPECT_EQ(b.id, "indicator-classifier");
  EXPECT_EQ(b.min_records, 200);
  EXPECT_EQ(b.entity_types, std::vector<std::string>{"indicator"});
  ASSERT_TRUE(b.drift.has_value());
  EXPECT_DOUBLE_EQ(b.drift->threshold, 0.25);
  EXPECT_EQ(b.drift->min_records, 100);
  EXPECT_EQ(b.max_wait_ms, std::optional<int64_t>(3'600'000));
  EXPECT_EQ(b.cooldown_ms, 60'000);
  EXPECT_EQ(b.timeout_ms, 30 * 60'000);
  EXPECT_EQ(b.max_attempts, 2);
}

TEST_F(ShippedConfigTest, OriginsNameFileAndLine) {
  auto c = Parse();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  const std::string file = ShippedConfigPath();
  EXPECT_EQ(c->origins["models[0].minRecords"],
            "file " + file + ":" + std::to_string(LineOf(text_, "minRecords: 50")));
  EXPECT_EQ(c->origins["models[1].minRecords"],
            "file " + file + ":" + std::to_string(LineOf(text_, "minRecords: 200")));
  EXPECT_EQ(c->origins["server.listen"],
            "file " + file + ":" + std::to_string(LineOf(text_, "listen: 127.0.0.1:8080")));
  EXPECT_EQ(c->origins["server.threads"],
            "file " + file + ":" + std::to_string(LineOf(text_, "threads: 2")));
  EXPECT_EQ(c->origins.count("dataDir"), 0u);  // the built-in default
}

TEST_F(ShippedConfigTest, SeedVariablesFlowThroughTheFile) {
  auto c = Parse({{"RETRAIN_FEED_SOURCE", "fixtures"},
                  {"RETRAIN_EXECUTOR", "kubernetes"},
                  {"MLFLOW_ARTIFACT_URI", "s3://intelgraph-ml-artifacts/retraining"},
                  {"RETRAINING_IMAGE", "registry.local/worker:1.2"},
                  {"RETRAINING_SERVICE_ACCOUNT", "retrain-sa"}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->feed.source, "fixtures");
  EXPECT_EQ(c->feed.path, "fixtures");  // the fixtures default directory
  EXPECT_EQ(c->executor.kind, "kubernetes");
  EXPECT_EQ(c->experiment.artifact_location, "s3://intelgraph-ml-artifacts/retraining");
  EXPECT_EQ(c->executor.kubernetes.image, "registry.local/worker:1.2");
  EXPECT_EQ(c->executor.kubernetes.service_account, "retrain-sa");
}

TEST_F(ShippedConfigTest, ResolvePathJoinsTheDataDir) {
  auto c = Parse();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->ResolvePath("jobs.db"), ".retrain/jobs.db");
  EXPECT_EQ(c->ResolvePath("/abs/feed.db"), "/abs/feed.db");
  EXPECT_EQ(c->ResolvePath(""), "");
  c->data_dir = "/var/lib/retrain/";
  EXPECT_EQ(c->ResolvePath("sub/../jobs.db"), "/var/lib/retrain/jobs.db");
}

TEST(EmptyConfigTest, EmptyTextGivesBuiltInDefaults) {
  auto c = testing::ParseText("");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_TRUE(c->models.empty());
  EXPECT_EQ(c->experiment.name, "intelgraph-retraining");
  EXPECT_EQ(c->server.port, 8080);
  EXPECT_EQ(c->feed.path, "feed.db");
  EXPECT_EQ(c->store.path, "jobs.db");
}

TEST(EmptyConfigTest, ModelDefaults) {
  auto c = testing::ParseText("models:\n  - id: m1\n");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  ASSERT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->models[0].min_records, 50);  // CONTRACT: minRecords defaults to 50
  EXPECT_EQ(c->models[0].max_attempts, 3);
  EXPECT_EQ(c->models[0].timeout_ms, 3'600'000);
  EXPECT_FALSE(c->models[0].max_wait_ms.has_value());
}

TEST(EmptyConfigTest, FullModelBlock) {
  auto c = testing::ParseText(
      "models:\n"
      "  - id: m.1_x-2\n"
      "    minRecords: 1\n"
      "    entityTypes: [indicator, actor]\n"
      "    command: [python3, train.py, --fast]\n"
      "    image: repo/img:tag\n"
      "    timeout: 1h30m\n"
      "    maxAttempts: 100\n"
      "    maxWait: 250ms\n"
      "    cooldown: 90\n"
      "    schedule: '*/15 * * * *'\n"
      "    params: {a: '1'}\n");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  const auto& m = c->models[0];
  EXPECT_EQ(m.id, "m.1_x-2");
  EXPECT_EQ(m.min_records, 1);
  EXPECT_EQ(m.entity_types, (std::vector<std::string>{"indicator", "actor"}));
  EXPECT_EQ(m.command, (std::vector<std::string>{"python3", "train.py", "--fast"}));
  EXPECT_EQ(m.image, "repo/img:tag");
  EXPECT_EQ(m.timeout_ms, 5'400'000);
  EXPECT_EQ(m.max_attempts, 100);
  EXPECT_EQ(m.max_wait_ms, std::optional<int64_t>(250));
  EXPECT_EQ(m.cooldown_ms, 90'000);
  EXPECT_EQ(m.schedule, std::optional<std::string>("*/15 * * * *"));
  EXPECT_EQ(m.params.at("a"), "1");
}

}  // namespace
}  // namespace retrain
