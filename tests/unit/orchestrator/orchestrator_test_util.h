#pragma once
// The Orchestrator on real adapters (SQLite store, embedded feed, both on temp files), a fake
// executor and no tracker, on simulated time. Tests run the trigger pass and the reconciler
// directly (auto_trigger().RunOnce(), reconciler().ReconcileOnce()).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/metrics.h"
#include "core/time.h"
#include "exec/executor.h"
#include "feed/embedded/embedded_feed.h"
#include "orchestrator/orchestrator.h"
#include "store/sqlite/sqlite_job_store.h"
#include "tracking/tracker.h"

namespace retrain::testing {

constexpr int64_t kT0 = 1795674600000;  // 2026-11-26T06:30:00.000Z

// Records what it is asked and answers what the test says. Single-threaded use only.
class FakeExecutor final : public Executor {
 public:
  std::string Name() const override { return "local"; }

  Result<SubmitResult> Submit(const ExecSpec& spec) override {
    submits.push_back(spec);
    submits.back().model = nullptr;  // the spec's pointer is only valid during the call
    if (!submit_errors.empty()) {
      Error e = submit_errors.front();
      submit_errors.erase(submit_errors.begin());
      return std::unexpected(e);
    }
    phases[spec.job_id] = ExecObservation{ExecPhase::kRunning, ""};
    if (on_submit) on_submit(spec);
    return SubmitResult{};
  }

  Result<ExecObservation> Observe(const std::string& job_id) override {
    ++observe_calls;
    if (on_observe) on_observe(job_id);
    auto it = phases.find(job_id);
    if (it == phases.end()) return ExecObservation{ExecPhase::kUnknown, ""};
    return it->second;
  }

  Status Cancel(const std::string& job_id) override {
    cancels.push_back(job_id);
    phases.erase(job_id);
    return {};
  }

  void SetPhase(const std::string& job_id, ExecPhase phase, std::string message = "") {
    phases[job_id] = ExecObservation{phase, std::move(message)};
  }

  std::vector<ExecSpec> submits;
  std::vector<Error> submit_errors;  // returned by the next Submit calls, in order
  std::map<std::string, ExecObservation> phases;
  std::vector<std::string> cancels;
  int observe_calls = 0;
  // Called once the worker "runs", before Submit returns: lets a test land a cancel or a report
  // in the gap between the executor starting a worker and the orchestrator recording it.
  std::function<void(const ExecSpec&)> on_submit;
  std::function<void(const std::string&)> on_observe;  // likewise, as Observe is asked
};

// An in-memory tracker: records runs, metrics, tags and ends. While `script` is not empty, each
// call takes its first entry: an error to fail with, or nullopt to go through. Single-threaded.
class FakeTracker final : public Tracker {
 public:
  struct Run {
    std::string job_id;
    std::vector<std::pair<int64_t, std::map<std::string, double>>> metrics;  // (step, values)
    std::map<std::string, std::string> tags;
    std::map<std::string, std::string> params;
    std::optional<RunEndStatus> end;
    int64_t end_time_ms = 0;
  };

  Result<std::string> EnsureExperiment() override { return std::string("1"); }

  Result<RunRef> EnsureRun(const Job& job) override {
    if (auto e = NextError()) return std::unexpected(*e);
    ++ensure_calls;
    for (const auto& [id, run] : runs)
      if (run.job_id == job.id) return RunRef{"1", id, ""};
    std::string id = "run-" + std::to_string(runs.size() + 1);
    runs[id].job_id = job.id;
    return RunRef{"1", id, ""};
  }

  Status LogMetrics(const std::string& run_id, const std::map<std::string, double>& metrics,
                    int64_t, int64_t step) override {
    if (auto e = NextError()) return std::unexpected(*e);
    runs[run_id].metrics.emplace_back(step, metrics);
    return {};
  }

  Status SetTag(const std::string& run_id, const std::string& key,
                const std::string& value) override {
    if (auto e = NextError()) return std::unexpected(*e);
    runs[run_id].tags[key] = value;
    return {};
  }

  Status LogParams(const std::string& run_id,
                   const std::map<std::string, std::string>& params) override {
    if (auto e = NextError()) return std::unexpected(*e);
    for (const auto& [k, v] : params) runs[run_id].params[k] = v;
    return {};
  }

  Status EndRun(const std::string& run_id, RunEndStatus status, int64_t end_time_ms) override {
    if (auto e = NextError()) return std::unexpected(*e);
    runs[run_id].end = status;
    runs[run_id].end_time_ms = end_time_ms;
    return {};
  }

  Status LogArtifact(const RunRef&, const std::string&, const std::string&) override { return {}; }

  std::string Uri() const override { return "fake://tracking"; }

  std::map<std::string, Run> runs;
  std::vector<std::optional<Error>> script;
  int ensure_calls = 0;

 private:
  std::optional<Error> NextError() {
    if (script.empty()) return std::nullopt;
    std::optional<Error> e = script.front();
    script.erase(script.begin());
    return e;
  }
};

inline ModelSettings MakeModel(const std::string& id, int64_t min_records) {
  ModelSettings m;
  m.id = id;
  m.min_records = min_records;
  m.timeout_ms = 30 * 60'000;
  m.max_attempts = 3;
  return m;
}

inline std::string DetailText(const Error& e, const std::string& key) {
  for (const auto& [k, v] : e.details) {
    if (k != key) continue;
    if (auto s = std::get_if<std::string>(&v)) return *s;
    if (auto i = std::get_if<int64_t>(&v)) return std::to_string(*i);
    return "<other type>";
  }
  return "<missing " + key + ">";
}

class OrchestratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "retrain-orch-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = OpenSqliteJobStore(dir_ + "/jobs.db", clock_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    auto feed = EmbeddedFeed::Open(dir_ + "/feed.db");
    ASSERT_TRUE(feed.has_value()) << feed.error().message;
    feed_ = std::move(*feed);
  }

  void TearDown() override {
    orch_.reset();
    feed_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Builds the orchestrator (its start time is the clock's current time).
  void Build(std::vector<ModelSettings> models, bool callback_auth = true,
             Tracker* tracker = nullptr, ModelRegistry* registry = nullptr,
             ArtifactReader* reader = nullptr) {
    OrchestratorOptions o;
    o.models = std::move(models);
    o.callback_auth = callback_auth;
    o.callback_secret = "unit-test-secret";
    o.public_url = "http://127.0.0.1:18080";
    o.feed_uri = feed_->Uri();
    o.worker_env = {{"EXTRA", "1"}};
    orch_ = std::make_unique<Orchestrator>(std::move(o), *store_, *feed_, exec_, tracker, clock_,
                                           metrics_, registry, reader);
  }

  // A trigger request through the commands, as the API makes it.
  Result<Job> Trigger(const std::string& model_id, TriggerKind kind,
                      std::optional<std::string> reason, bool force,
                      std::optional<std::string> idempotency_key = std::nullopt,
                      bool* replayed = nullptr) {
    auto r = orch_->commands().Trigger({.model_id = model_id,
                                        .kind = kind,
                                        .reason = reason,
                                        .force = force,
                                        .idempotency_key = idempotency_key});
    if (!r) return std::unexpected(r.error());
    if (replayed) *replayed = r->replayed;
    return r->job;
  }

  // Appends `n` records landing now; returns the last cursor.
  std::string Append(int n, const std::string& type = "entity",
                     const std::string& ingestion_job = "ingest-1") {
    std::vector<NewFeedRecord> recs;
    for (int i = 0; i < n; ++i) recs.push_back({ingestion_job, type, clock_.NowMs(), "{\"x\":1}"});
    auto last = feed_->Append(recs);
    EXPECT_TRUE(last.has_value());
    return last.value_or("");
  }

  std::vector<Job> Jobs(const std::string& model) {
    JobFilter f;
    f.model_id = model;
    f.limit = 500;
    auto p = store_->ListJobs(f);
    EXPECT_TRUE(p.has_value());
    return p ? p->jobs : std::vector<Job>{};
  }

  Job Get(const std::string& id) {
    auto j = store_->GetJob(id);
    EXPECT_TRUE(j.has_value());
    return j.value_or(Job{});
  }

  std::vector<JobEvent> Events(const std::string& id) {
    auto e = store_->ListEvents(id);
    EXPECT_TRUE(e.has_value());
    return e.value_or(std::vector<JobEvent>{});
  }

  // A worker report with the token of the job's current attempt.
  Result<Job> Report(const std::string& id, std::optional<JobStatus> status,
                     std::optional<double> progress = std::nullopt) {
    EventInput in;
    in.status = status;
    in.progress = progress;
    return orch_->commands().ApplyEvent(id, in, orch_->tokens().For(id, Get(id).attempt));
  }

  std::string Watermark(const std::string& model) {
    auto st = store_->GetModelState(model);
    EXPECT_TRUE(st.has_value());
    return st ? st->watermark : "<error>";
  }

  FakeClock clock_{kT0};
  std::string dir_;
  std::unique_ptr<JobStore> store_;
  std::unique_ptr<EmbeddedFeed> feed_;
  FakeExecutor exec_;
  MetricsRegistry metrics_;
  std::unique_ptr<Orchestrator> orch_;
};

}  // namespace retrain::testing
