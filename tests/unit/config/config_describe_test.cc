// Describe(): every effective value with its origin, and never a secret.

#include <gtest/gtest.h>

#include <sstream>

#include "config/config.h"
#include "config_test_util.h"

namespace retrain {
namespace {

using testing::ParseText;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The lines of `text` that contain `part`.
std::string LinesWith(const std::string& text, const std::string& part) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (Contains(line, part)) out += line + "\n";
  }
  return out;
}

TEST(DescribeTest, PrintsValuesWithOrigins) {
  auto c =
      ParseText("server:\n  threads: 3\nmodels:\n  - id: m\n    minRecords: 9\n    maxWait: 90s\n",
                {{"RETRAIN_DATA_DIR", "/data"}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  std::string d = Describe(*c);
  EXPECT_TRUE(Contains(d, "config = test.yaml  (default)\n")) << d;
  EXPECT_TRUE(Contains(d, "dataDir = /data  (env RETRAIN_DATA_DIR)\n")) << d;
  EXPECT_TRUE(Contains(d, "server.threads = 3  (file test.yaml:2)\n")) << d;
  EXPECT_TRUE(Contains(d, "server.listen = 127.0.0.1:8080  (default)\n")) << d;
  EXPECT_TRUE(Contains(d, "models[0].id = m  (file test.yaml:4)\n")) << d;
  EXPECT_TRUE(Contains(d, "models[0].minRecords = 9  (file test.yaml:5)\n")) << d;
  EXPECT_TRUE(Contains(d, "models[0].maxWait = 1m30s  (file test.yaml:6)\n")) << d;
  EXPECT_TRUE(Contains(d, "models[0].cooldown = 0s  (default)\n")) << d;
  EXPECT_TRUE(Contains(d, "models[0].schedule = off  (default)\n")) << d;
  EXPECT_TRUE(Contains(d, "feed.pollInterval = 5s  (default)\n")) << d;
  EXPECT_TRUE(Contains(d, "server.callbackSecret = (generated once, kept in the job store)")) << d;
}

TEST(DescribeTest, MasksSecretsFromTheFile) {
  auto c = ParseText(
      "server:\n  callbackSecret: cb-Secret-123\n"
      "store:\n  uri: postgres://retrain:Pg-Pass-456@db.internal:5432/retrain\n"
      "feed:\n  neo4j:\n    password: Neo-Pass-789\n");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  std::string d = Describe(*c);
  for (const char* secret : {"cb-Secret-123", "Pg-Pass-456", "Neo-Pass-789"}) {
    EXPECT_FALSE(Contains(d, secret)) << "leaked " << secret << ":\n" << d;
  }
  EXPECT_TRUE(Contains(d, "server.callbackSecret = ********  (file test.yaml:2)\n")) << d;
  EXPECT_TRUE(Contains(d, "store.uri = postgres://retrain:********@db.internal:5432/retrain")) << d;
  EXPECT_TRUE(Contains(d, "feed.neo4j.password = ********  (file test.yaml:7)\n")) << d;
}

TEST(DescribeTest, MasksSecretsFromTheEnvironment) {
  auto c = ParseText(
      testing::ReadFile(testing::ShippedConfigPath()),
      {{"NEO4J_PASSWORD", "env-neo-secret"}, {"RETRAIN_CALLBACK_SECRET", "env-cb-secret"}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->feed.neo4j_password, "env-neo-secret");
  EXPECT_EQ(c->server.callback_secret, "env-cb-secret");
  std::string d = Describe(*c);
  EXPECT_FALSE(Contains(d, "env-neo-secret")) << d;
  EXPECT_FALSE(Contains(d, "env-cb-secret")) << d;
  EXPECT_TRUE(Contains(d, "feed.neo4j.password = ********  (env NEO4J_PASSWORD)\n")) << d;
}

TEST(DescribeTest, EmptyPasswordPrintsEmpty) {
  auto c = ParseText("");
  ASSERT_TRUE(c.has_value());
  std::string d = Describe(*c);
  EXPECT_TRUE(Contains(d, "feed.neo4j.password = \"\"  (default)\n")) << d;
  EXPECT_FALSE(Contains(d, "store.uri")) << d;  // not printed when unset
}

TEST(DescribeTest, UrlWithoutPasswordIsUnchanged) {
  Config c;
  c.store.uri = "postgres://db.internal:5432/retrain";
  std::string d = Describe(c);
  EXPECT_TRUE(Contains(d, "store.uri = postgres://db.internal:5432/retrain  (default)\n")) << d;
  c.store.uri = "postgres://justuser@db.internal/retrain";
  d = Describe(c);
  EXPECT_TRUE(Contains(d, "store.uri = postgres://justuser@db.internal/retrain")) << d;
}

TEST(DescribeTest, PostgresPasswordInQueryOrKeywordFormIsMasked) {
  Config c;
  c.store.uri = "postgresql://db.internal/retrain?user=retrain&password=Query-Pass-1";
  std::string query_form = Describe(c);
  c.store.uri = "host=db.internal dbname=retrain user=retrain password=Kw-Pass-2";
  std::string keyword_form = Describe(c);
  // Bug: MaskUrl (src/config/describe.cc) only masks user:password@ in the authority; libpq
  // also takes `password=` as a URI query parameter and in keyword/value strings, and those
  // are printed in clear by `retrain config check`.
  if (Contains(query_form, "Query-Pass-1") || Contains(keyword_form, "Kw-Pass-2")) {
    FAIL() << "store.uri password leaks:\n"
           << LinesWith(query_form, "store.uri") << LinesWith(keyword_form, "store.uri");
  }
  EXPECT_TRUE(Contains(query_form, "********"));
  EXPECT_TRUE(Contains(keyword_form, "********"));
}

TEST(DescribeTest, CredentialsInOtherUrisAreMasked) {
  auto c = ParseText("", {{"NEO4J_URI", "bolt://neo4j:Uri-Neo-Pass@graph:7687"},
                          {"MLFLOW_TRACKING_URI", "https://user:Uri-Mlflow-Pass@mlflow.internal"}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  std::string d = Describe(*c);
  // Bug: Describe (src/config/describe.cc) prints feed.neo4j.uri and experiment.tracking_uri
  // verbatim; both accept user:password@ (the Neo4j feed takes its password from the URI's
  // user info), so `retrain config check` leaks them. Apply MaskUrl to both lines.
  if (Contains(d, "Uri-Neo-Pass") || Contains(d, "Uri-Mlflow-Pass")) {
    FAIL() << "credentials in NEO4J_URI / MLFLOW_TRACKING_URI are printed:\n"
           << LinesWith(d, "Uri-");
  }
  EXPECT_TRUE(Contains(d, "feed.neo4j.uri = bolt://neo4j:********@graph:7687")) << d;
}

TEST(DescribeTest, ListsEveryModel) {
  auto c = ParseText(testing::ReadFile(testing::ShippedConfigPath()));
  ASSERT_TRUE(c.has_value());
  std::string d = Describe(*c);
  EXPECT_TRUE(Contains(d, "models[0].id = threat-scorer")) << d;
  EXPECT_TRUE(Contains(d, "models[1].id = indicator-classifier")) << d;
  EXPECT_TRUE(Contains(d, "models[1].entityTypes = [indicator]")) << d;
  EXPECT_TRUE(Contains(d, "models[1].maxWait = 1h")) << d;
  EXPECT_TRUE(Contains(d, "models[0].command = (retrain worker)")) << d;
  EXPECT_TRUE(Contains(d, "experiment.tags.owner = ml-platform")) << d;
}

}  // namespace
}  // namespace retrain
