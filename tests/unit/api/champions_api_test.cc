// The champion endpoints: GET /models/{id}/champions, POST .../promote and .../rollback, and
// the GraphQL MLModel.champions, promoteMLModel and rollbackMLModel over the same Champions.

#include <gtest/gtest.h>

#include "../orchestrator/fake_registry.h"
#include "api_test_util.h"

namespace retrain {
namespace {

using nlohmann::json;

class ChampionsApiTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    registry_.AddVersions("m", 3);
    BuildApi(/*tokens=*/nullptr, /*metrics_public=*/true, &registry_);
  }

  // An automatic move to `version` at the current time, as the reconciler records it.
  void AutomaticMove(const std::string& version, const std::string& job_id) {
    Promotion p;
    p.model_id = "m";
    p.version = version;
    p.at_ms = clock_.NowMs();
    p.source = PromotionSource::kAutomatic;
    p.reason = "the gate promoted it";
    p.job_id = job_id;
    ASSERT_TRUE(store_->AppendPromotion(p));
    registry_.aliases[{"m", "champion"}] = version;
  }

  json Graphql(const std::string& query, const json& variables = json::object()) {
    Response r = Call("POST", "/graphql", json{{"query", query}, {"variables", variables}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r);
  }

  testing::FakeRegistry registry_;
};

TEST_F(ChampionsApiTest, HistoryNewestFirstWithTimeRanges) {
  Response empty = Call("GET", "/models/m/champions");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(Json(empty),
            (json{{"modelId", "m"}, {"champion", nullptr}, {"champions", json::array()}}));

  AutomaticMove("1", "job-1");
  clock_.Advance(60'000);
  AutomaticMove("2", "job-2");
  Response r = Call("GET", "/models/m/champions");
  ASSERT_EQ(r.status, 200) << r.body;
  json body = Json(r);
  EXPECT_EQ(body["champion"], "2");
  ASSERT_EQ(body["champions"].size(), 2u);
  const json& now = body["champions"][0];
  EXPECT_EQ(now["version"], "2");
  EXPECT_EQ(now["previousVersion"], "1");
  EXPECT_EQ(now["source"], "automatic");
  EXPECT_EQ(now["jobId"], "job-2");
  EXPECT_EQ(now["from"], "2026-11-26T06:31:00.000Z");
  EXPECT_TRUE(now["to"].is_null());
  EXPECT_EQ(now["current"], true);
  const json& before = body["champions"][1];
  EXPECT_EQ(before["from"], "2026-11-26T06:30:00.000Z");
  EXPECT_EQ(before["to"], "2026-11-26T06:31:00.000Z");
  EXPECT_EQ(before["current"], false);
  EXPECT_TRUE(before["previousVersion"].is_null());

  EXPECT_EQ(Json(Call("GET", "/models/m/champions?limit=1"))["champions"].size(), 1u);
  EXPECT_EQ(Call("GET", "/models/m/champions?limit=0").status, 400);
  EXPECT_EQ(Call("GET", "/models/m/champions?x=1").status, 400);
  Response unknown = Call("GET", "/models/nope/champions");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json(unknown)["error"]["code"], "unknown_model");
  EXPECT_EQ(Call("POST", "/models/m/champions").status, 405);
}

TEST_F(ChampionsApiTest, PromoteAndRollback) {
  AutomaticMove("1", "job-1");
  AutomaticMove("2", "job-2");
  Response p = Call("POST", "/models/m/promote", R"({"version": "3", "reason": "hand-picked"})");
  ASSERT_EQ(p.status, 200) << p.body;
  json moved = Json(p);
  EXPECT_EQ(moved["changed"], true);
  EXPECT_EQ(moved["champion"]["version"], "3");
  EXPECT_EQ(moved["champion"]["previousVersion"], "2");
  EXPECT_EQ(moved["champion"]["source"], "manual");
  EXPECT_EQ(moved["champion"]["reason"], "hand-picked");
  EXPECT_EQ(moved["champion"]["current"], true);
  EXPECT_EQ(registry_.Champion("m"), "3");

  Response same = Call("POST", "/models/m/promote", R"({"version": 3, "reason": "again"})");
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(Json(same)["changed"], false);

  Response back = Call("POST", "/models/m/rollback", R"({"reason": "3 is worse"})");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(Json(back)["champion"]["version"], "2");
  EXPECT_EQ(Json(back)["champion"]["source"], "rollback");
  EXPECT_EQ(registry_.Champion("m"), "2");
  EXPECT_EQ(Json(Call("GET", "/models/m/champions"))["champions"].size(), 4u);
}

TEST_F(ChampionsApiTest, MoveErrors) {
  auto code = [](const Response& r) { return Json(r)["error"]["code"]; };
  auto field = [](const Response& r) { return Json(r)["error"]["details"]["field"]; };
  Response missing = Call("POST", "/models/m/promote", R"({"version": "9", "reason": "r"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(code(missing), "version_not_found");
  Response unknown = Call("POST", "/models/nope/promote", R"({"version": "1", "reason": "r"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(code(unknown), "unknown_model");
  Response no_reason = Call("POST", "/models/m/promote", R"({"version": "1"})");
  EXPECT_EQ(no_reason.status, 422);
  EXPECT_EQ(field(no_reason), "reason");
  Response blank = Call("POST", "/models/m/promote", R"({"version": "1", "reason": " "})");
  EXPECT_EQ(blank.status, 422);
  EXPECT_EQ(field(blank), "reason");
  Response long_reason = Call("POST", "/models/m/promote",
                              json{{"version", "1"}, {"reason", std::string(1001, 'x')}}.dump());
  EXPECT_EQ(long_reason.status, 422);
  EXPECT_EQ(field(long_reason), "reason");
  Response no_version = Call("POST", "/models/m/promote", R"({"reason": "r"})");
  EXPECT_EQ(no_version.status, 422);
  EXPECT_EQ(field(no_version), "version");
  Response bad_version = Call("POST", "/models/m/promote", R"({"version": [1], "reason": "r"})");
  EXPECT_EQ(bad_version.status, 422);
  Response extra = Call("POST", "/models/m/rollback", R"({"reason": "r", "version": "1"})");
  EXPECT_EQ(extra.status, 422);
  EXPECT_EQ(field(extra), "version");
  EXPECT_EQ(Call("POST", "/models/m/rollback").status, 422);
  Response none = Call("POST", "/models/m/rollback", R"({"reason": "r"})");
  EXPECT_EQ(none.status, 409);
  EXPECT_EQ(code(none), "no_previous_champion");
  EXPECT_EQ(Call("POST", "/models/m/promote", "{nope").status, 400);
  EXPECT_EQ(Call("GET", "/models/m/promote").status, 405);
}

TEST_F(ChampionsApiTest, OpenApiDescribesTheEndpoints) {
  json doc = Json(Call("GET", "/openapi.json"));
  EXPECT_TRUE(doc["paths"].contains("/models/{modelId}/champions"));
  EXPECT_TRUE(doc["paths"]["/models/{modelId}/promote"].contains("post"));
  EXPECT_TRUE(doc["paths"]["/models/{modelId}/rollback"].contains("post"));
  EXPECT_TRUE(doc["components"]["schemas"].contains("Champion"));
}

TEST_F(ChampionsApiTest, GraphqlHistoryAndMutations) {
  AutomaticMove("1", "job-1");
  clock_.Advance(1'000);
  json p = Graphql(R"(mutation($v: String!) { promoteMLModel(modelId: "m", version: $v,
                        reason: "by hand") { changed message champion { version previousVersion
                        source reason current } } })",
                   {{"v", "2"}});
  ASSERT_FALSE(p.contains("errors")) << p.dump();
  const json& move = p["data"]["promoteMLModel"];
  EXPECT_EQ(move["changed"], true);
  EXPECT_EQ(move["champion"], (json{{"version", "2"},
                                    {"previousVersion", "1"},
                                    {"source", "manual"},
                                    {"reason", "by hand"},
                                    {"current", true}}));
  json h = Graphql("{ mlModels { id champions { version source jobId from to current } } }");
  ASSERT_FALSE(h.contains("errors")) << h.dump();
  const json& history = h["data"]["mlModels"][0]["champions"];
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["version"], "2");
  EXPECT_TRUE(history[0]["to"].is_null());
  EXPECT_EQ(history[1]["jobId"], "job-1");
  EXPECT_EQ(history[1]["to"], history[0]["from"]);
  EXPECT_EQ(
      Graphql(
          "{ mlModels { champions(first: 1) { version } } }")["data"]["mlModels"][0]["champions"]
          .size(),
      1u);

  json r = Graphql(R"(mutation { rollbackMLModel(modelId: "m", reason: "undo") {
                        champion { version source } } })");
  ASSERT_FALSE(r.contains("errors")) << r.dump();
  EXPECT_EQ(r["data"]["rollbackMLModel"]["champion"]["version"], "1");
  EXPECT_EQ(r["data"]["rollbackMLModel"]["champion"]["source"], "rollback");

  json missing = Graphql(R"(mutation { promoteMLModel(modelId: "m", version: "9", reason: "r") {
                              changed } })");
  ASSERT_TRUE(missing.contains("errors")) << missing.dump();
  EXPECT_EQ(missing["errors"][0]["extensions"]["code"], "VERSION_NOT_FOUND");
  EXPECT_EQ(missing["errors"][0]["extensions"]["version"], "9");
  json unknown = Graphql(R"(mutation { rollbackMLModel(modelId: "nope", reason: "r") {
                              changed } })");
  EXPECT_EQ(unknown["errors"][0]["extensions"]["code"], "UNKNOWN_MODEL");
  json blank = Graphql(R"(mutation { promoteMLModel(modelId: "m", version: "1", reason: "") {
                            changed } })");
  EXPECT_EQ(blank["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
  EXPECT_EQ(blank["errors"][0]["extensions"]["argument"], "reason");
}

// With API tokens, moving the champion needs the admin role; reading the history needs read.
class ChampionsAuthTest : public ChampionsApiTest {
 protected:
  void SetUp() override {
    testing::ApiTest::SetUp();
    registry_.AddVersions("m", 2);
    read_ = CreateToken(Role::kRead, "viewer");
    trigger_ = CreateToken(Role::kTrigger, "ci");
    admin_ = CreateToken(Role::kAdmin, "ops");
    auto set = TokenSet::Parse(read_.line + "\n" + trigger_.line + "\n" + admin_.line, "t");
    ASSERT_TRUE(set.has_value()) << set.error().message;
    BuildApi(std::make_shared<const TokenSet>(std::move(*set)), true, &registry_);
  }

  static std::vector<std::pair<std::string, std::string>> Bearer(const NewToken& t) {
    return {{"authorization", "Bearer " + t.token}};
  }

  NewToken read_, trigger_, admin_;
};

TEST_F(ChampionsAuthTest, MovesNeedTheAdminRole) {
  const std::string promote = R"({"version": "2", "reason": "r"})";
  EXPECT_EQ(Call("GET", "/models/m/champions").status, 401);
  EXPECT_EQ(Call("GET", "/models/m/champions", "", Bearer(read_)).status, 200);
  EXPECT_EQ(Call("POST", "/models/m/promote", promote).status, 401);
  Response denied = Call("POST", "/models/m/promote", promote, Bearer(trigger_));
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(Json(denied)["error"]["code"], "forbidden");
  EXPECT_EQ(Call("POST", "/models/m/rollback", R"({"reason": "r"})", Bearer(trigger_)).status, 403);
  EXPECT_EQ(registry_.Champion("m"), "");
  EXPECT_EQ(Call("POST", "/models/m/promote", promote, Bearer(admin_)).status, 200);
  EXPECT_EQ(registry_.Champion("m"), "2");

  auto gql = [&](const NewToken& t, const std::string& q) {
    return Json(Call("POST", "/graphql", json{{"query", q}}.dump(), Bearer(t)));
  };
  const std::string mutation =
      R"(mutation { promoteMLModel(modelId: "m", version: "1", reason: "r") { changed } })";
  json no = gql(trigger_, mutation);
  EXPECT_EQ(no["errors"][0]["extensions"]["code"], "FORBIDDEN") << no.dump();
  json undo = gql(read_, R"(mutation { rollbackMLModel(modelId: "m", reason: "r") { changed } })");
  EXPECT_EQ(undo["errors"][0]["extensions"]["code"], "FORBIDDEN") << undo.dump();
  json yes = gql(admin_, mutation);
  EXPECT_EQ(yes["data"]["promoteMLModel"]["changed"], true) << yes.dump();
  json history = gql(read_, "{ mlModels { champions { version } } }");
  EXPECT_EQ(history["data"]["mlModels"][0]["champions"].size(), 2u) << history.dump();
}

}  // namespace
}  // namespace retrain
