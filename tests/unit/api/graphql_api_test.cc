// The GraphQL schema's resolvers over the same orchestrator as REST, through the /graphql
// handler: queries, mutations, business errors as extensions.code, and request errors.

#include <gtest/gtest.h>

#include "api_test_util.h"

namespace retrain {
namespace {

using nlohmann::json;

class GraphqlApiTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    BuildApi();
  }

  json Query(const std::string& query, const json& variables = json::object()) {
    Response r = Call("POST", "/graphql", json{{"query", query}, {"variables", variables}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r);
  }
};

TEST_F(GraphqlApiTest, ModelsShowTheirUnseenRecordsAndActiveJob) {
  Append(2);
  json r = Query("{ mlModels { id minRecords unseenRecords activeJob { id } } }");
  ASSERT_FALSE(r.contains("errors")) << r.dump();
  ASSERT_EQ(r["data"]["mlModels"].size(), 1u);
  EXPECT_EQ(r["data"]["mlModels"][0]["id"], "m");
  EXPECT_EQ(r["data"]["mlModels"][0]["minRecords"], 3);
  EXPECT_EQ(r["data"]["mlModels"][0]["unseenRecords"], 2);
  EXPECT_TRUE(r["data"]["mlModels"][0]["activeJob"].is_null());
}

TEST_F(GraphqlApiTest, TriggerAndCancelMutations) {
  Append(3);
  json t = Query(R"(mutation($m: ID!) { triggerMLRetraining(modelId: $m, reason: "unit") {
                      id status trigger reason records } })",
                 {{"m", "m"}});
  ASSERT_FALSE(t.contains("errors")) << t.dump();
  const json& job = t["data"]["triggerMLRetraining"];
  EXPECT_EQ(job["status"], "PENDING");
  EXPECT_EQ(job["trigger"], "graphql");
  EXPECT_EQ(job["reason"], "unit");
  EXPECT_EQ(job["records"], 3);

  json again = Query(R"(mutation { triggerMLRetraining(modelId: "m", force: true) { id } })");
  ASSERT_TRUE(again.contains("errors")) << again.dump();
  EXPECT_EQ(again["errors"][0]["extensions"]["code"], "JOB_ACTIVE");
  EXPECT_EQ(again["errors"][0]["extensions"]["jobId"], job["id"]);

  json c = Query("mutation($j: ID!) { cancelMLRetraining(jobId: $j) { status startedAt } }",
                 {{"j", job["id"]}});
  ASSERT_FALSE(c.contains("errors")) << c.dump();
  EXPECT_EQ(c["data"]["cancelMLRetraining"]["status"], "CANCELLED");
  EXPECT_FALSE(c["data"]["cancelMLRetraining"]["startedAt"].is_null());

  json events = Query("query($j: ID!) { mlRetrainingJob(jobId: $j) { events { status source } } }",
                      {{"j", job["id"]}});
  ASSERT_FALSE(events.contains("errors")) << events.dump();
  EXPECT_EQ(events["data"]["mlRetrainingJob"]["events"].back()["status"], "CANCELLED");
}

TEST_F(GraphqlApiTest, BusinessErrorsCarryTheirCodeAndDetails) {
  Append(1);
  json few = Query(R"(mutation { triggerMLRetraining(modelId: "m") { id } })");
  ASSERT_TRUE(few.contains("errors")) << few.dump();
  EXPECT_EQ(few["errors"][0]["extensions"]["code"], "INSUFFICIENT_DATA");
  EXPECT_EQ(few["errors"][0]["extensions"]["unseenRecords"], 1);
  EXPECT_EQ(few["errors"][0]["extensions"]["minRecords"], 3);
  json unknown = Query(R"(mutation { triggerMLRetraining(modelId: "nope") { id } })");
  EXPECT_EQ(unknown["errors"][0]["extensions"]["code"], "UNKNOWN_MODEL");
  json missing = Query(R"(mutation { cancelMLRetraining(jobId: "nope") { id } })");
  EXPECT_EQ(missing["errors"][0]["extensions"]["code"], "JOB_NOT_FOUND");
  json none = Query(R"({ mlRetrainingJob(jobId: "nope") { id } })");
  ASSERT_FALSE(none.contains("errors")) << none.dump();
  EXPECT_TRUE(none["data"]["mlRetrainingJob"].is_null());
  json page = Query("{ mlRetrainingJobs(first: 0) { id } }");
  EXPECT_EQ(page["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

TEST_F(GraphqlApiTest, RequestsThatAreNotGraphqlAreRefused) {
  Response bad = Call("POST", "/graphql", "{nope");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(Json(bad)["errors"][0]["extensions"]["code"], "BAD_REQUEST");
  Response deep = Call("POST", "/graphql", std::string(1000, '[') + std::string(1000, ']'));
  EXPECT_EQ(deep.status, 400) << deep.body;
  Response type = Call("POST", "/graphql", "{}", {{"content-type", "text/plain"}});
  EXPECT_EQ(type.status, 415) << type.body;
  Response get =
      Call("GET", "/graphql?query=mutation{__typename}", "", {{"accept", "application/json"}});
  EXPECT_EQ(get.status, 405) << get.body;
}

}  // namespace
}  // namespace retrain
