// REST routing, status codes and the contract's error body, straight through RestApi::Handle.

#include <gtest/gtest.h>

#include "api_test_util.h"

namespace retrain {
namespace {

using nlohmann::json;

class RestApiTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    BuildApi();
  }

  // The error body of CONTRACT section 3: {"error": {"code", "message", "details"}}.
  static void ExpectError(const Response& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    json body = Json(r);
    ASSERT_TRUE(body.is_object()) << r.body;
    ASSERT_TRUE(body.contains("error")) << r.body;
    EXPECT_EQ(body["error"].value("code", ""), code) << r.body;
    EXPECT_FALSE(body["error"].value("message", "").empty()) << r.body;
    EXPECT_TRUE(body["error"]["details"].is_object()) << r.body;
  }

  std::string TriggerJob() {
    Append(3);
    Response r = Call("POST", "/models/m/retrain", R"({"reason":"unit"})");
    EXPECT_EQ(r.status, 202) << r.body;
    return Json(r).value("id", "");
  }
};

TEST_F(RestApiTest, UnknownPathsAndMethodsAreRefusedWithTheErrorBody) {
  Response r = Call("GET", "/nope");
  ExpectError(r, 404, "not_found");
  EXPECT_NE(Json(r)["error"]["message"].get<std::string>().find("GET /nope"), std::string::npos);
  ExpectError(Call("DELETE", "/models"), 405, "method_not_allowed");
}

TEST_F(RestApiTest, TriggerAnswers202WithLocationAndReplaysAnIdempotencyKey) {
  Append(3);
  Response first =
      Call("POST", "/models/m/retrain", R"({"reason":"backfill"})", {{"idempotency-key", "k-1"}});
  ASSERT_EQ(first.status, 202) << first.body;
  const std::string id = Json(first)["id"];
  EXPECT_EQ(Header(first, "Location"), "/retraining/jobs/" + id);
  EXPECT_EQ(Json(first)["reason"], "backfill");
  EXPECT_EQ(Json(first)["status"], "pending");
  EXPECT_EQ(Header(first, "Idempotent-Replayed"), "");

  Response again =
      Call("POST", "/models/m/retrain", R"({"reason":"backfill"})", {{"idempotency-key", "k-1"}});
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(Json(again)["id"], id);
  EXPECT_EQ(Header(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(Jobs("m").size(), 1u);
}

TEST_F(RestApiTest, TriggerRefusalsMapToStatusCodesAndNameTheCause) {
  ExpectError(Call("POST", "/models/nope/retrain", "{}"), 404, "unknown_model");
  Append(1);
  Response few = Call("POST", "/models/m/retrain", "{}");
  ExpectError(few, 409, "insufficient_data");
  EXPECT_EQ(Json(few)["error"]["details"]["unseenRecords"], 1);
  EXPECT_EQ(Json(few)["error"]["details"]["minRecords"], 3);
  ExpectError(Call("POST", "/models/m/retrain", "{}", {{"content-type", "text/plain"}}), 415,
              "unsupported_media_type");
  ExpectError(Call("POST", "/models/m/retrain", "{nope"), 400, "invalid_json");
  ExpectError(Call("POST", "/models/m/retrain", std::string(100, '[') + std::string(100, ']')), 400,
              "invalid_json");
  Response field = Call("POST", "/models/m/retrain", R"({"colour":"red"})");
  ExpectError(field, 422, "invalid_value");
  EXPECT_EQ(Json(field)["error"]["details"]["field"], "colour");

  ASSERT_EQ(Call("POST", "/models/m/retrain", R"({"force":true})").status, 202);
  Response busy = Call("POST", "/models/m/retrain", R"({"force":true})");
  ExpectError(busy, 409, "job_active");
  EXPECT_EQ(Json(busy)["error"]["details"]["jobId"], Jobs("m")[0].id);
}

TEST_F(RestApiTest, EventsNeedTheAttemptsTokenAndAreBounded) {
  const std::string id = TriggerJob();
  const std::string events = "/retraining/jobs/" + id + "/events";
  ExpectError(Call("POST", events, R"({"status":"running"})"), 401, "invalid_token");
  ExpectError(Call("POST", events, R"({"status":"running"})",
                   {{"authorization", "Bearer " + orch_->tokens().For(id, 2)}}),
              401, "invalid_token");
  const std::pair<std::string, std::string> auth{"authorization",
                                                 "Bearer " + orch_->tokens().For(id, 1)};
  Response ok = Call("POST", events, R"({"status":"running","progress":0.5})", {auth});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Json(ok)["status"], "running");

  json many = {{"metrics", json::object()}};
  for (int i = 0; i <= 100; ++i) many["metrics"]["m" + std::to_string(i)] = i;
  Response big = Call("POST", events, many.dump(), {auth});
  ExpectError(big, 422, "too_many_metrics");
  EXPECT_EQ(Json(big)["error"]["details"]["limit"], 100);
  EXPECT_EQ(Json(big)["error"]["details"]["field"], "metrics");

  ExpectError(Call("POST", events, R"({"status":"pending"})", {auth}), 409, "invalid_transition");
  ExpectError(Call("POST", "/retraining/jobs/nope/events", R"({"progress":0.1})", {auth}), 404,
              "job_not_found");
}

TEST_F(RestApiTest, JobsAreReadListedAndCancelled) {
  const std::string id = TriggerJob();
  Response job = Call("GET", "/retraining/jobs/" + id);
  ASSERT_EQ(job.status, 200) << job.body;
  EXPECT_EQ(Json(job)["modelId"], "m");
  ExpectError(Call("GET", "/retraining/jobs/nope"), 404, "job_not_found");

  // A malformed id is refused before any lookup, naming the field, and is not echoed whole.
  for (const std::string& bad :
       {std::string(5000, 'a'), std::string("bad id"), std::string("x;y")}) {
    for (const std::string& path :
         {"/retraining/jobs/" + bad, "/retraining/jobs/" + bad + "/events",
          "/retraining/jobs/" + bad + "/cancel"}) {
      Response r = Call(path.ends_with("cancel") ? "POST" : "GET", path);
      ExpectError(r, 400, "invalid_job_id");
      EXPECT_EQ(Json(r)["error"]["details"]["field"], "jobId");
      EXPECT_LT(r.body.size(), 400u) << path;
    }
  }
  for (const std::string& bad : {std::string(64, 'm'), std::string("Upper"), std::string("a b")}) {
    Response r = Call("GET", "/models/" + bad + "/trigger-preview");
    ExpectError(r, 400, "invalid_model_id");
    EXPECT_EQ(Json(r)["error"]["details"]["field"], "modelId");
  }

  Response list = Call("GET", "/retraining/jobs?modelId=m&limit=1");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(Json(list)["jobs"].size(), 1u);
  EXPECT_EQ(Json(list)["jobs"][0]["id"], id);
  EXPECT_EQ(Call("GET", "/retraining/jobs?limit=0").status, 400);

  Response cancelled = Call("POST", "/retraining/jobs/" + id + "/cancel");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(Json(cancelled)["status"], "cancelled");
  EXPECT_FALSE(Json(cancelled)["startedAt"].is_null());  // every terminal path sets it
  EXPECT_EQ(Call("POST", "/retraining/jobs/" + id + "/cancel").status, 200);  // idempotent

  Response history = Call("GET", "/retraining/jobs/" + id + "/events");
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(Json(history)["events"].back()["status"], "cancelled");
}

TEST_F(RestApiTest, ACompletedJobCannotBeCancelled) {
  const std::string id = TriggerJob();
  orch_->reconciler().ReconcileOnce();
  ASSERT_TRUE(Report(id, JobStatus::kCompleted).has_value());
  ExpectError(Call("POST", "/retraining/jobs/" + id + "/cancel"), 409, "job_finished");
}

TEST_F(RestApiTest, PreviewShowsTheDecisionByName) {
  Append(2);
  Response p = Call("GET", "/models/m/trigger-preview");
  ASSERT_EQ(p.status, 200) << p.body;
  json body = Json(p);
  EXPECT_EQ(body["modelId"], "m");
  EXPECT_EQ(body["automatic"]["wouldFire"], false);
  EXPECT_EQ(body["automatic"]["reason"], "insufficient_data");
  EXPECT_EQ(body["automatic"]["threshold"], 3);
  Append(1);
  EXPECT_EQ(Json(Call("GET", "/models/m/trigger-preview"))["automatic"]["reason"], "threshold");
  ExpectError(Call("GET", "/models/nope/trigger-preview"), 404, "unknown_model");
}

TEST_F(RestApiTest, ModelsHealthMetricsAndOpenApi) {
  Append(2);
  Response models = Call("GET", "/models");
  ASSERT_EQ(models.status, 200) << models.body;
  ASSERT_EQ(Json(models)["models"].size(), 1u);
  EXPECT_EQ(Json(models)["models"][0]["id"], "m");
  EXPECT_EQ(Json(models)["models"][0]["unseenRecords"], 2);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  Response metrics = Call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("retrain_http_requests_total"), std::string::npos) << metrics.body;
  Response doc = Call("GET", "/openapi.json");
  ASSERT_EQ(doc.status, 200);
  EXPECT_TRUE(Json(doc)["paths"].contains("/models/{modelId}/retrain"));
}

// /readyz names MLflow or the executor while the calls to it fail, and is ready again after.
TEST_F(RestApiTest, ReadyzNamesTheDependencyThatIsDown) {
  DependencyHealth health(clock_);
  health.Add("tracker", "MLflow at http://mlflow");
  health.Add("executor", "the kubernetes executor");
  RestApiOptions o;
  o.health = &health;
  api_ = std::make_unique<RestApi>(o, *orch_, *store_, *feed_, metrics_, clock_);
  Response ready = Call("GET", "/readyz");
  ASSERT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(Json(ready)["checks"]["tracker"], "ok");
  EXPECT_EQ(Json(ready)["checks"]["executor"], "ok");

  health.Record("tracker", Status{Fail(ErrorCode::kUnavailable, "MLflow: connection refused")});
  ready = Call("GET", "/readyz");
  ASSERT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(Json(ready)["error"]["code"], "not_ready");
  EXPECT_EQ(Json(ready)["error"]["details"]["tracker"], "MLflow: connection refused");
  EXPECT_EQ(Json(ready)["error"]["details"]["executor"], "ok");
  EXPECT_EQ(Json(ready)["error"]["details"]["store"], "ok");

  health.Record("tracker", Status{});
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
}

}  // namespace
}  // namespace retrain
