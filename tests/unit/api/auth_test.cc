// API tokens at the edge: 401 without a token, 403 with a lower role, what each role may do over
// REST and GraphQL, and what never needs a token.

#include <gtest/gtest.h>

#include "api_test_util.h"

namespace retrain {
namespace {

using nlohmann::json;

class AuthTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    read_ = CreateToken(Role::kRead, "viewer");
    trigger_ = CreateToken(Role::kTrigger, "ci");
    admin_ = CreateToken(Role::kAdmin, "ops");
    auto set = TokenSet::Parse(read_.line + "\n" + trigger_.line + "\n" + admin_.line, "t");
    ASSERT_TRUE(set.has_value()) << set.error().message;
    BuildApi(std::make_shared<const TokenSet>(std::move(*set)), /*metrics_public=*/false);
  }

  static std::vector<std::pair<std::string, std::string>> Bearer(const NewToken& t) {
    return {{"authorization", "Bearer " + t.token}};
  }

  NewToken read_, trigger_, admin_;
};

TEST_F(AuthTest, WithoutATokenEveryApiCallIs401) {
  for (auto [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/models"},
                                                        {"GET", "/retraining/jobs"},
                                                        {"POST", "/models/m/retrain"},
                                                        {"GET", "/openapi.json"},
                                                        {"GET", "/metrics"},
                                                        {"POST", "/retraining/jobs/x/cancel"}}) {
    Response r = Call(method, path, method == "POST" ? "{}" : "");
    EXPECT_EQ(r.status, 401) << method << " " << path;
    EXPECT_EQ(Json(r)["error"]["code"], "unauthenticated") << r.body;
    EXPECT_EQ(Header(r, "WWW-Authenticate"), "Bearer realm=\"retrain\"");
  }
  Response wrong = Call("GET", "/models", "", {{"authorization", "Bearer rt_nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(Json(wrong)["error"]["message"].get<std::string>().find("not valid"),
            std::string::npos);
}

TEST_F(AuthTest, HealthReadinessAndThePagesNeedNoToken) {
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  EXPECT_EQ(Call("GET", "/").status, 200);
  EXPECT_EQ(Call("GET", "/graphql", "", {{"accept", "text/html"}}).status, 200);
}

TEST_F(AuthTest, EachRoleGetsWhatItGrants) {
  Append(3);
  EXPECT_EQ(Call("GET", "/models", "", Bearer(read_)).status, 200);
  EXPECT_EQ(Call("GET", "/metrics", "", Bearer(read_)).status, 200);
  Response no = Call("POST", "/models/m/retrain", "{}", Bearer(read_));
  EXPECT_EQ(no.status, 403) << no.body;
  EXPECT_EQ(Json(no)["error"]["code"], "forbidden");
  EXPECT_NE(no.body.find("has role read"), std::string::npos) << no.body;
  EXPECT_NE(no.body.find("needs trigger"), std::string::npos) << no.body;

  Response forced = Call("POST", "/models/m/retrain", R"({"force":true})", Bearer(trigger_));
  EXPECT_EQ(forced.status, 403) << forced.body;
  EXPECT_NE(forced.body.find("admin"), std::string::npos) << forced.body;
  Response job = Call("POST", "/models/m/retrain", "{}", Bearer(trigger_));
  ASSERT_EQ(job.status, 202) << job.body;
  const std::string id = Json(job)["id"];
  EXPECT_EQ(Call("POST", "/retraining/jobs/" + id + "/cancel", "", Bearer(read_)).status, 403);
  EXPECT_EQ(Call("POST", "/retraining/jobs/" + id + "/cancel", "", Bearer(trigger_)).status, 200);
  Append(1);
  EXPECT_EQ(Call("POST", "/models/m/retrain", R"({"force":true})", Bearer(admin_)).status, 202);
}

TEST_F(AuthTest, WorkerEventsNeedTheCallbackTokenNotAnApiToken) {
  Append(3);
  Response job = Call("POST", "/models/m/retrain", "{}", Bearer(admin_));
  ASSERT_EQ(job.status, 202);
  const std::string id = Json(job)["id"];
  const std::string events = "/retraining/jobs/" + id + "/events";
  Response api_token = Call("POST", events, R"({"progress":0.1})", Bearer(admin_));
  EXPECT_EQ(api_token.status, 401) << api_token.body;
  EXPECT_EQ(Json(api_token)["error"]["code"], "invalid_token");
  Response worker = Call("POST", events, R"({"progress":0.1})",
                         {{"authorization", "Bearer " + orch_->tokens().For(id, 1)}});
  EXPECT_EQ(worker.status, 200) << worker.body;
}

TEST_F(AuthTest, GraphqlAnswersWithUnauthenticatedAndForbidden) {
  const std::string query = json{{"query", "{ mlModels { id } }"}}.dump();
  Response none = Call("POST", "/graphql", query);
  EXPECT_EQ(none.status, 401) << none.body;
  EXPECT_EQ(Json(none)["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
  Response read = Call("POST", "/graphql", query, Bearer(read_));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Json(read)["data"]["mlModels"][0]["id"], "m");

  Append(3);
  const std::string trigger =
      json{{"query", R"(mutation { triggerMLRetraining(modelId: "m") { id } })"}}.dump();
  Response forbidden = Call("POST", "/graphql", trigger, Bearer(read_));
  ASSERT_EQ(forbidden.status, 200) << forbidden.body;
  EXPECT_EQ(Json(forbidden)["errors"][0]["extensions"]["code"], "FORBIDDEN");
  const std::string forced =
      json{{"query", R"(mutation { triggerMLRetraining(modelId: "m", force: true) { id } })"}}
          .dump();
  EXPECT_EQ(
      Json(Call("POST", "/graphql", forced, Bearer(trigger_)))["errors"][0]["extensions"]["code"],
      "FORBIDDEN");
  Response ok = Call("POST", "/graphql", trigger, Bearer(trigger_));
  EXPECT_FALSE(Json(ok).contains("errors")) << ok.body;
  EXPECT_TRUE(Json(ok)["data"]["triggerMLRetraining"]["id"].is_string());
}

}  // namespace
}  // namespace retrain
