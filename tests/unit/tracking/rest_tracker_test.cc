#include "tracking/mlflow_rest/rest_tracker.h"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "../temp_dir.h"

namespace retrain {
namespace {

using nlohmann::json;

HttpResponse Answer(int status, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

// A scripted MLflow server: answers per "METHOD endpoint" in order (the last answer repeats),
// records every request.
class FakeMlflow {
 public:
  void On(const std::string& key, Result<HttpResponse> answer) {
    script_[key].push_back(std::move(answer));
  }
  HttpTransport Transport() {
    return [this](const HttpRequest& r) -> Result<HttpResponse> {
      requests.push_back(r);
      auto& queue = script_[Key(r)];
      if (queue.empty()) return Answer(200, "{}");
      auto answer = queue.front();
      if (queue.size() > 1) queue.pop_front();
      return answer;
    };
  }
  static std::string Key(const HttpRequest& r) {
    std::string path = r.url.substr(r.url.find('/', 8));
    path = path.substr(0, path.find('?'));
    if (path.starts_with("/api/2.0/mlflow/")) path = path.substr(16);
    return r.method + " " + path;
  }
  std::vector<HttpRequest> Calls(const std::string& key) const {
    std::vector<HttpRequest> out;
    for (const auto& r : requests)
      if (Key(r) == key) out.push_back(r);
    return out;
  }
  std::vector<HttpRequest> requests;

 private:
  std::map<std::string, std::deque<Result<HttpResponse>>> script_;
};

class RestTrackerTest : public ::testing::Test {
 protected:
  std::unique_ptr<RestTracker> Make(std::map<std::string, std::string> env = {}) {
    RestTrackerOptions o;
    o.tracking_uri = "http://mlflow.test:5000/";
    o.experiment_description = "Retraining runs";
    o.experiment_tags = {{"owner", "ml-platform"}};
    o.artifact_location = "mlflow-artifacts:/retraining";
    o.jitter_seed = 42;
    RestDependencies deps;
    deps.transport = fake_.Transport();
    deps.sleep = [this](int64_t ms) { sleeps_.push_back(ms); };
    deps.env = [env](const std::string& k) -> std::optional<std::string> {
      auto it = env.find(k);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    deps.clock = &clock_;
    auto t = RestTracker::Create(o, deps);
    EXPECT_TRUE(t) << t.error().message;
    return std::move(*t);
  }
  void ExperimentExists() {
    fake_.On("GET experiments/get-by-name",
             Answer(200, R"({"experiment":{"experiment_id":"7","lifecycle_stage":"active"}})"));
  }
  static Job SampleJob() {
    Job job;
    job.id = "job-1";
    job.model_id = "threat-scorer";
    job.scheduled_at_ms = 1795676400000;
    job.window.records = 120;
    job.window.start_ms = 1795675800000;
    job.window.end_ms = 1795676110250;
    return job;
  }

  FakeMlflow fake_;
  std::vector<int64_t> sleeps_;
  FakeClock clock_{1795000000000};
};

TEST_F(RestTrackerTest, CreatesMissingExperimentWithLocationDescriptionAndTags) {
  fake_.On("GET experiments/get-by-name",
           Answer(404, R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Could not find"})"));
  fake_.On("POST experiments/create", Answer(200, R"({"experiment_id":"12"})"));
  auto t = Make();
  auto id = t->EnsureExperiment();
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, "12");
  auto get = fake_.Calls("GET experiments/get-by-name").at(0);
  EXPECT_EQ(get.url,
            "http://mlflow.test:5000/api/2.0/mlflow/experiments/get-by-name?experiment_name="
            "intelgraph-retraining");
  auto create = fake_.Calls("POST experiments/create").at(0);
  auto body = json::parse(create.body);
  EXPECT_EQ(body["name"], "intelgraph-retraining");
  EXPECT_EQ(body["artifact_location"], "mlflow-artifacts:/retraining");
  EXPECT_EQ(body["tags"], json::parse(R"([{"key":"mlflow.note.content","value":"Retraining runs"},
                                          {"key":"owner","value":"ml-platform"}])"));
  bool json_type = false;
  for (const auto& [k, v] : create.headers)
    json_type |= k == "Content-Type" && v == "application/json";
  EXPECT_TRUE(json_type);
  // Cached: no more calls.
  size_t before = fake_.requests.size();
  ASSERT_TRUE(t->EnsureExperiment());
  EXPECT_EQ(fake_.requests.size(), before);
}

TEST_F(RestTrackerTest, RestoresADeletedExperiment) {
  fake_.On("GET experiments/get-by-name",
           Answer(200, R"({"experiment":{"experiment_id":"3","lifecycle_stage":"deleted"}})"));
  auto id = Make()->EnsureExperiment();
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "3");
  ASSERT_EQ(fake_.Calls("POST experiments/restore").size(), 1u);
  EXPECT_EQ(json::parse(fake_.Calls("POST experiments/restore")[0].body)["experiment_id"], "3");
}

TEST_F(RestTrackerTest, EnsureRunReusesTheRunTaggedWithTheJob) {
  ExperimentExists();
  fake_.On("POST runs/search", Answer(200, R"({"runs":[{"info":{"run_id":"r1","experiment_id":"7",
      "artifact_uri":"mlflow-artifacts:/7/r1/artifacts"},"data":{"params":[
      {"key":"record_count","value":"120"},{"key":"data_window_start","value":"x"},
      {"key":"data_window_end","value":"y"}]}}]})"));
  auto run = Make()->EnsureRun(SampleJob());
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->run_id, "r1");
  EXPECT_EQ(run->artifact_uri, "mlflow-artifacts:/7/r1/artifacts");
  EXPECT_TRUE(fake_.Calls("POST runs/create").empty());
  EXPECT_TRUE(fake_.Calls("POST runs/log-batch").empty());
  auto search = json::parse(fake_.Calls("POST runs/search").at(0).body);
  EXPECT_EQ(search["filter"], "tags.retraining_job_id = 'job-1'");
  EXPECT_EQ(search["experiment_ids"], json::array({"7"}));
}

TEST_F(RestTrackerTest, EnsureRunCreatesRunWithNameTagsAndParams) {
  ExperimentExists();
  fake_.On("POST runs/search", Answer(200, "{}"));
  fake_.On("POST runs/create", Answer(200, R"({"run":{"info":{"run_id":"r2","experiment_id":"7",
      "artifact_uri":"mlflow-artifacts:/7/r2/artifacts"},"data":{}}})"));
  auto run = Make()->EnsureRun(SampleJob());
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->run_id, "r2");
  auto create = json::parse(fake_.Calls("POST runs/create").at(0).body);
  EXPECT_EQ(create["experiment_id"], "7");
  EXPECT_EQ(create["run_name"], "retrain-threat-scorer-20261126070000");
  EXPECT_EQ(create["start_time"], 1795000000000);
  std::map<std::string, std::string> tags;
  for (const auto& t : create["tags"]) tags[t["key"]] = t["value"];
  EXPECT_EQ(tags["retraining_job_id"], "job-1");
  EXPECT_EQ(tags["model_id"], "threat-scorer");
  EXPECT_EQ(tags["retraining_trigger"], "automatic");
  EXPECT_EQ(tags["retraining_status"], "pending");
  auto batch = json::parse(fake_.Calls("POST runs/log-batch").at(0).body);
  EXPECT_EQ(batch["run_id"], "r2");
  EXPECT_EQ(batch["params"],
            json::parse(R"([{"key":"data_window_end","value":"2026-11-26T06:55:10.250Z"},
      {"key":"data_window_start","value":"2026-11-26T06:50:00.000Z"},{"key":"record_count","value":"120"}])"));
}

TEST_F(RestTrackerTest, LostCreateAnswerIsFollowedBySearchNotASecondCreate) {
  ExperimentExists();
  fake_.On("POST runs/search", Answer(200, "{}"));
  fake_.On("POST runs/search", Answer(200, R"({"runs":[{"info":{"run_id":"r3","experiment_id":"7"},
      "data":{}}]})"));
  fake_.On("POST runs/create", Fail(ErrorCode::kUnavailable, "connection reset"));
  auto run = Make()->EnsureRun(SampleJob());
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->run_id, "r3");
  EXPECT_EQ(fake_.Calls("POST runs/create").size(), 1u);
  EXPECT_EQ(fake_.Calls("POST runs/search").size(), 2u);
  EXPECT_EQ(sleeps_.size(), 1u);
}

TEST_F(RestTrackerTest, RetriesServerErrorsWithCappedJitteredBackoff) {
  fake_.On("GET experiments/get-by-name", Answer(503, "upstream down"));
  fake_.On("GET experiments/get-by-name",
           Answer(500, R"({"error_code":"INTERNAL_ERROR","message":"x"})"));
  fake_.On("GET experiments/get-by-name", Fail(ErrorCode::kDeadlineExceeded, "timed out"));
  fake_.On("GET experiments/get-by-name",
           Answer(200, R"({"experiment":{"experiment_id":"7","lifecycle_stage":"active"}})"));
  auto id = Make()->EnsureExperiment();
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_EQ(sleeps_.size(), 3u);
  // Equal jitter around 250, 500, 1000 ms.
  EXPECT_GE(sleeps_[0], 125);
  EXPECT_LE(sleeps_[0], 250);
  EXPECT_GE(sleeps_[1], 250);
  EXPECT_LE(sleeps_[1], 500);
  EXPECT_GE(sleeps_[2], 500);
  EXPECT_LE(sleeps_[2], 1000);
}

TEST_F(RestTrackerTest, GivesUpAfterMaxAttemptsWithUnavailable) {
  fake_.On("GET experiments/get-by-name", Answer(503, "<html>Service Unavailable</html>"));
  auto id = Make()->EnsureExperiment();
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(id.error().message.find("HTTP 503"), std::string::npos);
  EXPECT_NE(id.error().message.find("Service Unavailable"), std::string::npos);
  EXPECT_EQ(fake_.requests.size(), 6u);
  ASSERT_EQ(sleeps_.size(), 5u);
  for (int64_t s : sleeps_) EXPECT_LE(s, 8000);
  EXPECT_GE(sleeps_[4], 2000);  // 250 * 2^4 = 4000, half fixed
}

TEST_F(RestTrackerTest, HonoursRetryAfterOn429) {
  fake_.On("GET experiments/get-by-name",
           Answer(429, R"({"error_code":"REQUEST_LIMIT_EXCEEDED"})", {{"retry-after", "3"}}));
  fake_.On("GET experiments/get-by-name",
           Answer(200, R"({"experiment":{"experiment_id":"7","lifecycle_stage":"active"}})"));
  ASSERT_TRUE(Make()->EnsureExperiment());
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0], 3000);
}

TEST_F(RestTrackerTest, MapsClientErrorsWithoutRetrying) {
  struct Case {
    int status;
    std::string body;
    ErrorCode code;
    std::string needle;
  };
  std::vector<Case> cases = {
      {400,
       R"({"error_code":"INVALID_PARAMETER_VALUE","message":"Changing param values is not allowed"})",
       ErrorCode::kInvalidArgument, "INVALID_PARAMETER_VALUE: Changing param values"},
      {401, "", ErrorCode::kUnauthenticated, "HTTP 401"},
      {403, "Invalid Host header - possible DNS rebinding attack detected",
       ErrorCode::kPermissionDenied, "Invalid Host header"},
      {404, R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run 'x' not found"})",
       ErrorCode::kNotFound, "Run 'x' not found"},
  };
  for (const auto& c : cases) {
    FakeMlflow fake;
    fake.On("POST runs/set-tag", Answer(c.status, c.body));
    RestTrackerOptions o;
    o.tracking_uri = "http://h:1";
    RestDependencies deps;
    deps.transport = fake.Transport();
    deps.sleep = [this](int64_t ms) { sleeps_.push_back(ms); };
    deps.env = [](const std::string&) { return std::nullopt; };
    auto t = RestTracker::Create(o, deps);
    ASSERT_TRUE(t);
    auto s = (*t)->SetTag("x", "k", "v");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, c.code) << c.status;
    EXPECT_NE(s.error().message.find("POST runs/set-tag"), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find(c.needle), std::string::npos) << s.error().message;
    EXPECT_EQ(fake.requests.size(), 1u);
  }
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(RestTrackerTest, BasicAuthWinsOverTokenAndSecretsStayOutOfErrors) {
  fake_.On("POST runs/set-tag",
           Answer(401, R"({"error_code":"UNAUTHENTICATED","message":"bad creds"})"));
  auto t = Make({{"MLFLOW_TRACKING_USERNAME", "alice"},
                 {"MLFLOW_TRACKING_PASSWORD", "s3cret"},
                 {"MLFLOW_TRACKING_TOKEN", "tok-123"}});
  auto s = t->SetTag("r", "k", "v");
  ASSERT_FALSE(s);
  std::string auth;
  for (const auto& [k, v] : fake_.requests.at(0).headers)
    if (k == "Authorization") auth = v;
  EXPECT_EQ(auth, "Basic YWxpY2U6czNjcmV0");
  EXPECT_EQ(s.error().message.find("s3cret"), std::string::npos);
  EXPECT_EQ(s.error().message.find("YWxpY2U6czNjcmV0"), std::string::npos);
}

TEST_F(RestTrackerTest, BearerTokenWhenNoUserPassword) {
  auto t = Make({{"MLFLOW_TRACKING_TOKEN", "tok-123"}, {"MLFLOW_TRACKING_USERNAME", "alice"}});
  ASSERT_TRUE(t->SetTag("r", "k", "v"));
  std::string auth;
  for (const auto& [k, v] : fake_.requests.at(0).headers)
    if (k == "Authorization") auth = v;
  EXPECT_EQ(auth, "Bearer tok-123");
}

TEST_F(RestTrackerTest, LogMetricsSkipsKnownStepsAndChunksBatches) {
  fake_.On("GET runs/get", Answer(200, R"({"run":{"info":{"run_id":"r"},"data":{"metrics":[
      {"key":"auc","value":0.9,"step":5,"timestamp":1},{"key":"loss","value":0.1,"step":3}]}}})"));
  fake_.On("GET metrics/get-history",
           Answer(200, R"({"metrics":[{"key":"auc","step":2},{"key":"auc","step":5}]})"));
  auto t = Make();
  // auc step 5 exists (latest), step 4 is older: history says missing; loss step 4 is new.
  ASSERT_TRUE(t->LogMetrics("r", {{"auc", 0.95}}, 10, 5));
  EXPECT_TRUE(fake_.Calls("POST runs/log-batch").empty());
  ASSERT_TRUE(t->LogMetrics("r", {{"auc", 0.8}, {"loss", 0.05}}, 10, 4));
  auto batch = json::parse(fake_.Calls("POST runs/log-batch").at(0).body);
  EXPECT_EQ(batch["metrics"].size(), 2u);
  EXPECT_EQ(batch["metrics"][0],
            json::parse(R"({"key":"auc","value":0.8,"timestamp":10,"step":4})"));
  ASSERT_TRUE(t->LogMetrics("r", {{"auc", 0.1}}, 10, 2));  // in history: skipped
  EXPECT_EQ(fake_.Calls("POST runs/log-batch").size(), 1u);

  std::map<std::string, double> many;
  for (int i = 0; i < 2500; ++i) many["m" + std::to_string(i)] = i;
  ASSERT_TRUE(t->LogMetrics("r", many, 10, 1));
  auto calls = fake_.Calls("POST runs/log-batch");
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(json::parse(calls[1].body)["metrics"].size(), 1000u);
  EXPECT_EQ(json::parse(calls[2].body)["metrics"].size(), 1000u);
  EXPECT_EQ(json::parse(calls[3].body)["metrics"].size(), 500u);
}

TEST_F(RestTrackerTest, LogParamsSendsOnlyMissingParamsAndRefusesAChange) {
  fake_.On("GET runs/get", Answer(200, R"({"run":{"info":{"run_id":"r"},"data":{"params":[
      {"key":"record_count","value":"500"},{"key":"training_policy","value":"window"}]}}})"));
  auto t = Make();
  ASSERT_TRUE(t->LogParams("r", {{"training_policy", "window"}, {"training_records", "500"}}));
  auto calls = fake_.Calls("POST runs/log-batch");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(json::parse(calls[0].body),
            json::parse(R"({"run_id":"r","params":[{"key":"training_records","value":"500"}]})"));
  auto changed = t->LogParams("r", {{"training_policy", "cumulative"}});
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().api_code, "param_conflict");
  EXPECT_EQ(fake_.Calls("POST runs/log-batch").size(), 1u);
}

TEST_F(RestTrackerTest, NonFiniteMetricValuesUseProtobufJsonNames) {
  fake_.On("GET runs/get", Answer(200, R"({"run":{"info":{"run_id":"r"},"data":{}}})"));
  ASSERT_TRUE(Make()->LogMetrics("r", {{"loss", std::numeric_limits<double>::quiet_NaN()}}, 1, 1));
  EXPECT_EQ(json::parse(fake_.Calls("POST runs/log-batch").at(0).body)["metrics"][0]["value"],
            "NaN");
}

TEST_F(RestTrackerTest, EndRunIsANoOpWhenAlreadyEnded) {
  fake_.On("GET runs/get",
           Answer(200, R"({"run":{"info":{"run_id":"r","status":"FINISHED","end_time":5}}})"));
  auto t = Make();
  ASSERT_TRUE(t->EndRun("r", RunEndStatus::kFinished, 9));
  EXPECT_TRUE(fake_.Calls("POST runs/update").empty());
  ASSERT_TRUE(t->EndRun("r", RunEndStatus::kKilled, 9));
  auto update = json::parse(fake_.Calls("POST runs/update").at(0).body);
  EXPECT_EQ(update, json::parse(R"({"run_id":"r","status":"KILLED","end_time":9})"));
}

TEST_F(RestTrackerTest, ArtifactsGoThroughTheProxyOrTheLocalDisk) {
  auto t = Make();
  RunRef run{"7", "r1", "mlflow-artifacts:/7/r1/artifacts"};
  ASSERT_TRUE(t->LogArtifact(run, "model/model v1.json", "{}"));
  auto put = fake_.requests.back();
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.url,
            "http://mlflow.test:5000/api/2.0/mlflow-artifacts/artifacts/7/r1/artifacts/"
            "model/model%20v1.json");
  EXPECT_EQ(put.body, "{}");
  run.artifact_uri = "mlflow-artifacts://other:6000/7/r1/artifacts";
  ASSERT_TRUE(t->LogArtifact(run, "a.txt", "x"));
  EXPECT_EQ(fake_.requests.back().url,
            "http://other:6000/api/2.0/mlflow-artifacts/artifacts/7/r1/artifacts/a.txt");

  testing::TempDir dir;
  run.artifact_uri = "file://" + (std::filesystem::path(dir.path()) / "r1" / "artifacts").string();
  ASSERT_TRUE(t->LogArtifact(run, "model/m.json", "local"));
  EXPECT_EQ(
      testing::Slurp(std::filesystem::path(dir.path()) / "r1" / "artifacts" / "model" / "m.json"),
      "local");
  run.artifact_uri = "s3://bucket/r1";
  EXPECT_EQ(t->LogArtifact(run, "a", "b").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(t->LogArtifact(run, "../a", "b").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RestTrackerTest, ReadArtifactMapsMissingToNotFound) {
  fake_.On(
      "GET runs/get",
      Answer(
          200,
          R"({"run":{"info":{"run_id":"r","artifact_uri":"mlflow-artifacts:/7/r/artifacts"}}})"));
  fake_.On("GET /api/2.0/mlflow-artifacts/artifacts/7/r/artifacts/missing",
           Answer(404, "Not Found"));
  fake_.On("GET /api/2.0/mlflow-artifacts/artifacts/7/r/artifacts/m.json", Answer(200, "content"));
  auto t = Make();
  EXPECT_EQ(t->ReadArtifact("r", "missing").error().code, ErrorCode::kNotFound);
  auto got = t->ReadArtifact("r", "m.json");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "content");
}

TEST_F(RestTrackerTest, RegistryCallsAndAliasLookup) {
  fake_.On("GET registered-models/get", Answer(404, R"({"error_code":"RESOURCE_DOES_NOT_EXIST"})"));
  fake_.On("GET registered-models/get", Answer(200, R"({"registered_model":{"name":"m","aliases":[
      {"alias":"champion","version":"2"}]}})"));
  fake_.On("GET model-versions/search", Answer(200, "{}"));
  fake_.On("POST model-versions/create", Answer(200, R"({"model_version":{"name":"m","version":"3",
      "run_id":"r","source":"mlflow-artifacts:/7/r/artifacts/model"}})"));
  fake_.On(
      "GET model-versions/get",
      Answer(200, R"({"model_version":{"name":"m","version":"2","run_id":"r0","source":"s"}})"));
  auto t = Make();
  ASSERT_TRUE(t->EnsureRegisteredModel("m"));
  EXPECT_EQ(fake_.Calls("POST registered-models/create").size(), 1u);
  auto v = t->CreateVersion("m", "mlflow-artifacts:/7/r/artifacts/model", "r");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->version, "3");
  EXPECT_NE(fake_.Calls("GET model-versions/search").at(0).url.find("run_id%20%3D%20%27r%27"),
            std::string::npos);
  auto champ = t->GetByAlias("m", "champion");
  ASSERT_TRUE(champ && champ->has_value());
  EXPECT_EQ((*champ)->version, "2");
  auto none = t->GetByAlias("m", "challenger");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(t->SetAlias("m", "champion", "3"));
  EXPECT_EQ(json::parse(fake_.Calls("POST registered-models/alias").at(0).body),
            json::parse(R"({"name":"m","alias":"champion","version":"3"})"));
}

TEST_F(RestTrackerTest, GetVersionWithTagsAndSetVersionTag) {
  fake_.On("GET model-versions/get", Answer(200, R"({"model_version":{"name":"m","version":"2",
      "run_id":"r","source":"s","tags":[{"key":"retrain.promoted_by","value":"manual"}]}})"));
  fake_.On("GET model-versions/get", Answer(404, R"({"error_code":"RESOURCE_DOES_NOT_EXIST"})"));
  fake_.On("GET registered-models/get", Answer(200, R"({"registered_model":{"name":"m"}})"));
  fake_.On("GET model-versions/get", Answer(404, R"({"error_code":"RESOURCE_DOES_NOT_EXIST"})"));
  fake_.On("GET registered-models/get", Answer(404, R"({"error_code":"RESOURCE_DOES_NOT_EXIST"})"));
  auto t = Make();
  auto v = t->GetVersion("m", "2");
  ASSERT_TRUE(v && v->has_value()) << (v ? "missing" : v.error().message);
  EXPECT_EQ((*v)->run_id, "r");
  EXPECT_EQ((*v)->tags, (std::map<std::string, std::string>{{"retrain.promoted_by", "manual"}}));
  auto missing_version = t->GetVersion("m", "9");
  ASSERT_TRUE(missing_version) << missing_version.error().message;
  EXPECT_FALSE(missing_version->has_value());
  auto missing_model = t->GetVersion("nope", "1");
  ASSERT_FALSE(missing_model);
  EXPECT_EQ(missing_model.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(t->SetVersionTag("m", "2", "retrain.promotion_reason", "why"));
  EXPECT_EQ(json::parse(fake_.Calls("POST model-versions/set-tag").at(0).body),
            json::parse(R"({"name":"m","version":"2","key":"retrain.promotion_reason",
                            "value":"why"})"));
  EXPECT_EQ(t->SetVersionTag("m", "x", "k", "v").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(fake_.Calls("POST model-versions/set-tag").size(), 1u);
}

TEST(RestTrackerCreate, RejectsNonHttpUris) {
  RestTrackerOptions o;
  o.tracking_uri = "ftp://x";
  auto t = RestTracker::Create(o);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace retrain
