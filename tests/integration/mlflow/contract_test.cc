// The tracking contract, run against a real backend: the MLflow file store or a real MLflow
// tracking server (tests/integration/mlflow/run starts it). Writes a manifest of what it
// logged so that MLflow's own Python client can read everything back (check_readback.py).
//
// Environment:
//   RETRAIN_TEST_TRACKING_URI   file path or http://127.0.0.1:PORT
//   RETRAIN_TEST_EXPERIMENT     experiment name (unique per test run)
//   RETRAIN_TEST_MANIFEST       where to write the manifest (JSON)
//   Faults.* also: RETRAIN_TEST_STOP_CMD, RETRAIN_TEST_START_CMD (shell commands that stop and
//   start the server on the same database and port), RETRAIN_TEST_PROXY_URI (a proxy that
//   answers 503 while armed; GET /__flaky/stats, POST /__flaky/arm?n=N).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/adapters.h"
#include "http/http_client.h"
#include "tracking/mlflow_rest/rest_tracker.h"

namespace retrain {
namespace {

using nlohmann::json;

std::string EnvOr(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v ? std::string(v) : fallback;
}

const std::string kDescription =
    "Retraining runs are Kubernetes jobs triggered by the feed-processor.\n"
    "Each run carries its data window and evaluation metrics.";

TrackerOptions Options() {
  TrackerOptions o;
  o.tracking_uri = EnvOr("RETRAIN_TEST_TRACKING_URI");
  o.experiment_name = EnvOr("RETRAIN_TEST_EXPERIMENT", "intelgraph-retraining-test");
  o.experiment_description = kDescription;
  o.experiment_tags = {{"owner", "ml-platform"},
                       {"pipeline", "feed-processor"},
                       {"purpose", "automated-retraining"}};
  return o;
}

TrackingBackend Open() {
  auto backend = OpenTracking(Options());
  EXPECT_TRUE(backend) << backend.error().message;
  return std::move(*backend);
}

Job MakeJob(const std::string& id, int64_t scheduled_ms) {
  Job job;
  job.id = id;
  job.model_id = "threat-scorer";
  job.trigger = TriggerKind::kManual;
  job.reason = "contract test";
  job.scheduled_at_ms = scheduled_ms;
  job.window.records = 120;
  job.window.start_ms = scheduled_ms - 600000;
  job.window.end_ms = scheduled_ms - 289750;
  job.window.ingestion_jobs = {{"ingest-42", 100}, {"ingest-43", 20}};
  return job;
}

std::string Prefix() { return EnvOr("RETRAIN_TEST_EXPERIMENT", "t"); }

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    auto _s = (expr);                                       \
    ASSERT_TRUE(_s) << #expr << ": " << _s.error().message; \
  } while (0)

TEST(Contract, FullSequence) {
  ASSERT_FALSE(Options().tracking_uri.empty()) << "RETRAIN_TEST_TRACKING_URI is not set";
  const int64_t t0 = 1795676400000;
  json manifest;
  manifest["experiment"] = {{"name", Options().experiment_name},
                            {"description", kDescription},
                            {"tags", Options().experiment_tags}};

  TrackingBackend a = Open();
  auto exp = a.tracker->EnsureExperiment();
  ASSERT_TRUE(exp) << exp.error().message;
  {
    TrackingBackend restarted = Open();
    auto again = restarted.tracker->EnsureExperiment();
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, *exp);
  }
  manifest["experiment"]["id"] = *exp;
  manifest["tracking_uri"] = a.tracker->Uri();

  // One run per job, whoever asks and however often.
  Job j1 = MakeJob(Prefix() + "-job-1", t0);
  auto run = a.tracker->EnsureRun(j1);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->experiment_id, *exp);
  auto twice = a.tracker->EnsureRun(j1);
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->run_id, run->run_id);
  TrackingBackend b = Open();  // a restarted orchestrator
  auto thrice = b.tracker->EnsureRun(j1);
  ASSERT_TRUE(thrice) << thrice.error().message;
  EXPECT_EQ(thrice->run_id, run->run_id);
  EXPECT_EQ(thrice->artifact_uri, run->artifact_uri);

  ASSERT_OK(a.tracker->SetTag(run->run_id, "retraining_status", "running"));
  ASSERT_OK(a.tracker->LogMetrics(run->run_id, {{"auc", 0.91}}, t0 + 1000, 1));
  ASSERT_OK(a.tracker->LogMetrics(run->run_id, {{"auc", 0.93}, {"f1_score", 0.88}}, t0 + 2000, 2));
  ASSERT_OK(a.tracker->LogMetrics(run->run_id, {{"auc", 0.5}}, t0 + 3000, 2));   // repeat: ignored
  ASSERT_OK(b.tracker->LogMetrics(run->run_id, {{"auc", 0.91}}, t0 + 1000, 1));  // restart repeat
  const std::string model_json = R"({"format": "xgboost", "trees": 12})";
  ASSERT_OK(a.tracker->LogArtifact(*run, "model/model.json", model_json));
  auto read = b.reader->ReadArtifact(run->run_id, "model/model.json");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, model_json);
  auto missing = b.reader->ReadArtifact(run->run_id, "model/none.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  ASSERT_OK(a.tracker->SetTag(run->run_id, "retraining_status", "completed"));
  ASSERT_OK(a.tracker->EndRun(run->run_id, RunEndStatus::kFinished, t0 + 5000));
  ASSERT_OK(b.tracker->EndRun(run->run_id, RunEndStatus::kFinished, t0 + 9000));  // no-op

  Job j2 = MakeJob(Prefix() + "-job-2", t0 + 60000);
  auto run2 = b.tracker->EnsureRun(j2);
  ASSERT_TRUE(run2) << run2.error().message;
  EXPECT_NE(run2->run_id, run->run_id);
  ASSERT_OK(b.tracker->LogArtifact(*run2, "model/model.json", "{}"));
  ASSERT_OK(b.tracker->EndRun(run2->run_id, RunEndStatus::kFailed, t0 + 70000));

  auto run_entry = [&](const Job& job, const RunRef& r, const char* status, int64_t end,
                       json metrics, json artifacts, std::string status_tag) {
    return json{{"job_id", job.id},
                {"run_id", r.run_id},
                {"run_name", "retrain-threat-scorer-" + FormatCompactUtc(job.scheduled_at_ms)},
                {"status", status},
                {"end_time", end},
                {"params",
                 {{"record_count", "120"},
                  {"data_window_start", FormatRfc3339(*job.window.start_ms)},
                  {"data_window_end", FormatRfc3339(*job.window.end_ms)},
                  {"ingestion_jobs", "ingest-42:100,ingest-43:20"}}},
                {"tags",
                 {{"model_id", "threat-scorer"},
                  {"retraining_job_id", job.id},
                  {"retraining_trigger", "manual"},
                  {"retraining_status", status_tag},
                  {"retraining_reason", "contract test"}}},
                {"metrics", std::move(metrics)},
                {"artifacts", std::move(artifacts)}};
  };
  manifest["runs"] = json::array({run_entry(j1, *run, "FINISHED", t0 + 5000,
                                            {{"auc", {{1, 0.91, t0 + 1000}, {2, 0.93, t0 + 2000}}},
                                             {"f1_score", {{2, 0.88, t0 + 2000}}}},
                                            {{"model/model.json", model_json}}, "completed"),
                                  run_entry(j2, *run2, "FAILED", t0 + 70000, json::object(),
                                            {{"model/model.json", "{}"}}, "pending")});

  // Registry: model, versions (a repeat is not a new version), alias set and moved.
  const std::string model = Prefix() + "-threat-scorer";
  ASSERT_OK(a.registry->EnsureRegisteredModel(model));
  ASSERT_OK(b.registry->EnsureRegisteredModel(model));
  auto v1 = a.registry->CreateVersion(model, run->artifact_uri + "/model", run->run_id);
  ASSERT_TRUE(v1) << v1.error().message;
  EXPECT_EQ(v1->version, "1");
  auto v1_again = b.registry->CreateVersion(model, run->artifact_uri + "/model", run->run_id);
  ASSERT_TRUE(v1_again) << v1_again.error().message;
  EXPECT_EQ(v1_again->version, "1");
  auto v2 = b.registry->CreateVersion(model, run2->artifact_uri + "/model", run2->run_id);
  ASSERT_TRUE(v2) << v2.error().message;
  EXPECT_EQ(v2->version, "2");
  auto none = a.registry->GetByAlias(model, "champion");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->has_value());
  ASSERT_OK(a.registry->SetAlias(model, "champion", "1"));
  auto champ = b.registry->GetByAlias(model, "champion");
  ASSERT_TRUE(champ && champ->has_value());
  EXPECT_EQ((*champ)->version, "1");
  EXPECT_EQ((*champ)->run_id, run->run_id);
  EXPECT_EQ((*champ)->source, run->artifact_uri + "/model");
  ASSERT_OK(b.registry->SetAlias(model, "champion", "2"));
  champ = a.registry->GetByAlias(model, "champion");
  ASSERT_TRUE(champ && champ->has_value());
  EXPECT_EQ((*champ)->version, "2");
  auto unknown = a.registry->GetByAlias(model + "-missing", "champion");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);

  // A manual promote back to version 1: the alias moves and the version carries why.
  auto got = b.registry->GetVersion(model, "1");
  ASSERT_TRUE(got && got->has_value()) << (got ? "missing" : got.error().message);
  EXPECT_EQ((*got)->run_id, run->run_id);
  EXPECT_EQ((*got)->source, run->artifact_uri + "/model");
  EXPECT_TRUE((*got)->tags.empty());
  for (const char* bad : {"3", "0", "01", "x", ""}) {
    auto absent = a.registry->GetVersion(model, bad);
    ASSERT_TRUE(absent) << bad << ": " << absent.error().message;
    EXPECT_FALSE(absent->has_value()) << bad;
  }
  auto no_model = a.registry->GetVersion(model + "-missing", "1");
  ASSERT_FALSE(no_model);
  EXPECT_EQ(no_model.error().code, ErrorCode::kNotFound);
  auto no_version = a.registry->SetVersionTag(model, "3", "retrain.promoted_by", "manual");
  ASSERT_FALSE(no_version);
  EXPECT_EQ(no_version.error().code, ErrorCode::kNotFound);
  const std::string reason = "contract test: roll back to version 1 (über-safe)";
  ASSERT_OK(a.registry->SetAlias(model, "champion", "1"));
  ASSERT_OK(a.registry->SetVersionTag(model, "1", "retrain.promoted_by", "automatic"));
  ASSERT_OK(b.registry->SetVersionTag(model, "1", "retrain.promoted_by", "manual"));  // overwrite
  ASSERT_OK(b.registry->SetVersionTag(model, "1", "retrain.promotion_reason", reason));
  ASSERT_OK(a.registry->SetVersionTag(model, "1", "retrain.promotion_reason", reason));  // repeat
  got = a.registry->GetVersion(model, "1");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->tags,
            (std::map<std::string, std::string>{{"retrain.promoted_by", "manual"},
                                                {"retrain.promotion_reason", reason}}));
  champ = b.registry->GetByAlias(model, "champion");
  ASSERT_TRUE(champ && champ->has_value());
  EXPECT_EQ((*champ)->version, "1");
  auto v2_tags = b.registry->GetVersion(model, "2");
  ASSERT_TRUE(v2_tags && v2_tags->has_value());
  EXPECT_TRUE((*v2_tags)->tags.empty());
  manifest["registry"] = {
      {"name", model},
      {"versions",
       {{{"version", "1"}, {"run_id", run->run_id}, {"source", run->artifact_uri + "/model"}},
        {{"version", "2"}, {"run_id", run2->run_id}, {"source", run2->artifact_uri + "/model"}}}},
      {"aliases", {{"champion", "1"}}},
      {"version_tags",
       {{"1", {{"retrain.promoted_by", "manual"}, {"retrain.promotion_reason", reason}}},
        {"2", json::object()}}}};

  std::string path = EnvOr("RETRAIN_TEST_MANIFEST");
  if (!path.empty()) std::ofstream(path) << manifest.dump(2);
}

TEST(Contract, ConcurrentEnsureRunMakesOneRun) {
  TrackingBackend a = Open();
  TrackingBackend b = Open();
  Job job = MakeJob(Prefix() + "-job-concurrent", 1795676500000);
  std::string ida, idb;
  std::thread ta([&] {
    if (auto r = a.tracker->EnsureRun(job)) ida = r->run_id;
  });
  std::thread tb([&] {
    if (auto r = b.tracker->EnsureRun(job)) idb = r->run_id;
  });
  ta.join();
  tb.join();
  ASSERT_FALSE(ida.empty());
  // Two processes (here two instances) racing on the REST API can in principle both create;
  // the file store serialises them. Later calls always converge on the earliest run.
  auto later = Open().tracker->EnsureRun(job);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->run_id, ida == idb ? ida : later->run_id);
  if (!Options().tracking_uri.starts_with("http")) {
    EXPECT_EQ(ida, idb);
  }
}

// --- faults against the real server (REST only) ---

std::unique_ptr<RestTracker> Rest(const std::string& uri, RetryPolicy retry) {
  RestTrackerOptions o;
  o.tracking_uri = uri;
  o.experiment_name = Options().experiment_name;
  o.experiment_description = kDescription;
  o.experiment_tags = Options().experiment_tags;
  o.retry = retry;
  o.timeout_ms = 5000;
  auto t = RestTracker::Create(o);
  EXPECT_TRUE(t) << t.error().message;
  return std::move(*t);
}

json Api(const std::string& uri, const std::string& method, const std::string& path,
         const std::string& body = "") {
  HttpClient http;
  HttpRequest req;
  req.method = method;
  req.url = uri + path;
  req.body = body;
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  auto r = http.Send(req);
  EXPECT_TRUE(r) << r.error().message;
  if (!r) return json();
  EXPECT_EQ(r->status, 200) << path << ": " << r->body;
  return r->body.empty() ? json::object() : json::parse(r->body);
}

std::vector<json> RunsOfJob(const std::string& uri, const std::string& exp_id,
                            const std::string& job) {
  json search = {{"experiment_ids", json::array({exp_id})},
                 {"filter", "tags.retraining_job_id = '" + job + "'"},
                 {"run_view_type", "ALL"}};
  json r = Api(uri, "POST", "/api/2.0/mlflow/runs/search", search.dump());
  return r.value("runs", std::vector<json>{});
}

std::vector<int64_t> Steps(const std::string& uri, const std::string& run_id,
                           const std::string& key) {
  json h = Api(uri, "GET",
               "/api/2.0/mlflow/metrics/get-history?run_id=" + run_id + "&metric_key=" + key);
  std::vector<int64_t> steps;
  for (const auto& m : h.value("metrics", json::array()))
    steps.push_back(m.value("step", int64_t{0}));
  std::sort(steps.begin(), steps.end());
  return steps;
}

TEST(Faults, ServerRestartMidSequence) {
  std::string uri = EnvOr("RETRAIN_TEST_TRACKING_URI");
  std::string stop = EnvOr("RETRAIN_TEST_STOP_CMD"), start = EnvOr("RETRAIN_TEST_START_CMD");
  if (!uri.starts_with("http") || stop.empty() || start.empty()) GTEST_SKIP() << "needs a server";
  Job job = MakeJob(Prefix() + "-job-restart", 1795677000000);
  auto a = Rest(uri, RetryPolicy{3, 50, 200, 2.0});
  auto run = a->EnsureRun(job);
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_OK(a->LogMetrics(run->run_id, {{"loss", 0.4}}, 1795677001000, 1));

  ASSERT_EQ(std::system(stop.c_str()), 0);
  auto down = a->LogMetrics(run->run_id, {{"loss", 0.3}}, 1795677002000, 2);
  ASSERT_FALSE(down);
  EXPECT_TRUE(IsRetryable(down.error().code)) << down.error().message;

  // The server comes back while a patient (restarted) tracker is retrying.
  std::thread restarter([&] { EXPECT_EQ(std::system(start.c_str()), 0); });
  auto b = Rest(uri, RetryPolicy{120, 200, 1000, 2.0});
  auto resumed = b->EnsureRun(job);
  restarter.join();
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(resumed->run_id, run->run_id);
  ASSERT_OK(b->LogMetrics(run->run_id, {{"loss", 0.3}}, 1795677002000, 2));
  ASSERT_OK(b->LogMetrics(run->run_id, {{"loss", 0.4}}, 1795677001000, 1));
  ASSERT_OK(b->EndRun(run->run_id, RunEndStatus::kFinished, 1795677003000));
  EXPECT_EQ(RunsOfJob(uri, run->experiment_id, job.id).size(), 1u);
  EXPECT_EQ(Steps(uri, run->run_id, "loss"), (std::vector<int64_t>{1, 2}));
}

TEST(Faults, RetriesThroughFlakyProxy) {
  std::string proxy = EnvOr("RETRAIN_TEST_PROXY_URI");
  std::string uri = EnvOr("RETRAIN_TEST_TRACKING_URI");
  if (proxy.empty()) GTEST_SKIP() << "needs the 503 proxy";
  Job job = MakeJob(Prefix() + "-job-flaky", 1795678000000);
  auto t = Rest(proxy, RetryPolicy{6, 20, 200, 2.0});
  Api(proxy, "POST", "/__flaky/arm?n=3");
  auto run = t->EnsureRun(job);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(Api(proxy, "GET", "/__flaky/stats")["failed"], 3);
  for (int step = 1; step <= 3; ++step) {
    Api(proxy, "POST", "/__flaky/arm?n=2");
    ASSERT_OK(t->LogMetrics(run->run_id, {{"loss", 1.0 / step}}, 1795678000000 + step, step));
  }
  Api(proxy, "POST", "/__flaky/arm?n=2");
  ASSERT_OK(t->LogArtifact(*run, "model/model.json", "{\"flaky\": true}"));
  Api(proxy, "POST", "/__flaky/arm?n=1");
  ASSERT_OK(t->EndRun(run->run_id, RunEndStatus::kFinished, 1795678009000));
  // More failures than attempts: a clear kUnavailable naming the 503.
  Api(proxy, "POST", "/__flaky/arm?n=20");
  auto fail = t->SetTag(run->run_id, "x", "y");
  ASSERT_FALSE(fail);
  EXPECT_EQ(fail.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(fail.error().message.find("HTTP 503"), std::string::npos) << fail.error().message;
  Api(proxy, "POST", "/__flaky/arm?n=0");
  EXPECT_EQ(RunsOfJob(uri, run->experiment_id, job.id).size(), 1u);
  EXPECT_EQ(Steps(uri, run->run_id, "loss"), (std::vector<int64_t>{1, 2, 3}));
  auto back = t->ReadArtifact(run->run_id, "model/model.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, "{\"flaky\": true}");
}

}  // namespace
}  // namespace retrain
