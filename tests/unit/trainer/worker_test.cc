#include "trainer/worker.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "trainer/champion_gate.h"
#include "trainer/xgb_model.h"
#include "trainer_fakes.h"

namespace retrain {
namespace {

using nlohmann::json;
using testing::FakeFeed;
using testing::FakeRegistry;
using testing::FakeTracker;
using testing::RecordingSink;

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SyntheticOptions o;
    o.count = 2000;
    o.seed = 17;
    feed.AppendSynthetic(o);
  }

  Environment Env(const std::string& run_id, int64_t count = 2000) {
    return {{"MODEL_ID", "threat-scorer"},
            {"RETRAINING_JOB_ID", "job-" + run_id},
            {"RETRAINING_WINDOW_AFTER", ""},
            {"RETRAINING_WINDOW_UPTO", feed.LastCursor()},
            {"RETRAINING_RECORD_COUNT", std::to_string(count)},
            {"RETRAINING_ENTITY_TYPES", ""},
            {"MLFLOW_RUN_ID", run_id},
            {"MLFLOW_EXPERIMENT_ID", "1"},
            {"RETRAINING_REASON", "unit test"},
            // 600 of 2000 records held out: enough evidence for the gate (minHoldout 500).
            {"RETRAINING_HOLDOUT_FRACTION", "0.3"}};
  }

  int Run(Environment env, bool with_tracking = true) {
    sink.bodies.clear();
    WorkerContext ctx{std::move(env), feed, sink};
    if (with_tracking) {
      ctx.tracker = &tracker;
      ctx.artifacts = &tracker;
      ctx.registry = &registry;
    }
    Patient(ctx);
    return RunWorker(ctx);
  }

  // Outages are waited out for 3 s of fake sleep (1 s, then 2 s): two runs again, then failure.
  void Patient(WorkerContext& ctx) {
    ctx.outage_budget_ms = 3'000;
    ctx.sleep = [this](int64_t ms) {
      sleeps.push_back(ms);
      if (on_sleep) on_sleep();
    };
  }
  std::vector<int64_t> sleeps;
  std::function<void()> on_sleep;

  json Event(size_t i) const { return json::parse(sink.bodies.at(i)); }
  json Last() const { return json::parse(sink.bodies.back()); }
  std::string Champion() const {
    auto it = registry.aliases.find({"threat-scorer", "champion"});
    return it == registry.aliases.end() ? "" : it->second;
  }

  FakeFeed feed;
  RecordingSink sink;
  FakeTracker tracker;
  FakeRegistry registry;
};

TEST_F(WorkerTest, TrainsEvaluatesRegistersAndPromotesTheFirstModel) {
  ASSERT_EQ(Run(Env("run-1")), 0) << sink.bodies.back();
  ASSERT_GE(sink.bodies.size(), 5u);
  EXPECT_EQ(Event(0)["status"], "running");
  EXPECT_EQ(Event(0)["progress"], 0.0);
  EXPECT_NE(Event(0)["message"].get<std::string>().find("threat-scorer"), std::string::npos);
  double last_progress = -1;
  for (size_t i = 0; i + 1 < sink.bodies.size(); ++i) {
    EXPECT_EQ(Event(i)["status"], "running");
    EXPECT_GT(Event(i)["progress"].get<double>(), last_progress);
    last_progress = Event(i)["progress"].get<double>();
  }
  const json done = Last();
  EXPECT_EQ(done["status"], "completed");
  EXPECT_EQ(done["progress"], 1.0);
  const json& m = done["metrics"];
  EXPECT_GT(m["auc"].get<double>(), 0.8);
  EXPECT_GT(m["logloss"].get<double>(), 0.0);
  EXPECT_GT(m["accuracy"].get<double>(), 0.7);
  EXPECT_EQ(m["records"], 2000);
  EXPECT_EQ(m["train_records"].get<int>() + m["holdout_records"].get<int>(), 2000);
  EXPECT_EQ(m["skipped_records"], 0);
  EXPECT_EQ(m["features"], 8);
  EXPECT_EQ(m["promoted"], 1);
  EXPECT_FALSE(m.contains("champion_auc"));
  EXPECT_NE(done["message"].get<std::string>().find("no champion yet"), std::string::npos);

  // The model is logged, loadable and registered as version 1, now the champion.
  const auto& model = tracker.artifacts.at({"run-1", kModelArtifactPath});
  auto booster = Booster::LoadJson(model);
  ASSERT_TRUE(booster.has_value());
  EXPECT_EQ(booster->FeatureNames()->size(), 8u);
  EXPECT_NE(tracker.artifacts.at({"run-1", kModelMetaArtifactPath}).find("xgboost"),
            std::string::npos);
  ASSERT_EQ(registry.models.at("threat-scorer").size(), 1u);
  EXPECT_EQ(registry.models.at("threat-scorer")[0].run_id, "run-1");
  EXPECT_EQ(registry.models.at("threat-scorer")[0].source, "runs:/run-1/model");
  EXPECT_EQ(Champion(), "1");
}

TEST_F(WorkerTest, ChampionWithoutAReadableModelIsReplaced) {
  ASSERT_TRUE(registry.EnsureRegisteredModel("threat-scorer").has_value());
  ASSERT_TRUE(registry.CreateVersion("threat-scorer", "runs:/ghost/model", "ghost").has_value());
  ASSERT_TRUE(registry.SetAlias("threat-scorer", "champion", "1").has_value());
  ASSERT_EQ(Run(Env("run-1")), 0) << sink.bodies.back();
  EXPECT_EQ(Last()["metrics"]["promoted"], 1);
  EXPECT_NE(Last()["message"].get<std::string>().find("has no model/model.json"), std::string::npos)
      << Last()["message"];
  EXPECT_EQ(Champion(), "2");
}

TEST_F(WorkerTest, UnreachableArtifactStoreFailsTheJob) {
  class DownReader final : public ArtifactReader {
   public:
    Result<std::string> ReadArtifact(const std::string&, const std::string&) override {
      return Fail(ErrorCode::kUnavailable, "The tracking server is unreachable.");
    }
  } down;
  ASSERT_EQ(Run(Env("run-1")), 0);
  WorkerContext ctx{Env("run-2"), feed, sink, &tracker, &down, &registry};
  Patient(ctx);
  EXPECT_EQ(RunWorker(ctx), 1);
  EXPECT_EQ(sleeps, (std::vector<int64_t>{1'000, 2'000}));  // waited, then gave up
  EXPECT_EQ(Last()["status"], "failed");
  EXPECT_NE(Last()["error"].get<std::string>().find("unreachable"), std::string::npos);
  EXPECT_EQ(Champion(), "1");
}

TEST_F(WorkerTest, RecordCountMismatchFailsNamingBothNumbers) {
  ASSERT_EQ(Run(Env("run-1", 1999)), 1);
  const json failed = Last();
  EXPECT_EQ(failed["status"], "failed");
  const std::string error = failed["error"];
  EXPECT_NE(error.find("2000"), std::string::npos) << error;
  EXPECT_NE(error.find("1999"), std::string::npos) << error;
  EXPECT_TRUE(registry.models.empty());
  EXPECT_TRUE(tracker.artifacts.empty());
}

TEST_F(WorkerTest, WeakerModelIsRegisteredButDoesNotTakeTheChampion) {
  ASSERT_EQ(Run(Env("run-1")), 0);
  ASSERT_EQ(Champion(), "1");
  Environment weak = Env("run-2");
  weak["TRAINER_NUM_ROUND"] = "1";
  weak["TRAINER_MAX_DEPTH"] = "1";
  ASSERT_EQ(Run(weak), 0) << sink.bodies.back();
  const json done = Last();
  EXPECT_EQ(done["metrics"]["promoted"], 0);
  ASSERT_TRUE(done["metrics"].contains("champion_auc"));
  EXPECT_GT(done["metrics"]["champion_auc"].get<double>(), done["metrics"]["auc"].get<double>());
  EXPECT_NE(done["message"].get<std::string>().find("Kept the champion"), std::string::npos)
      << done["message"];
  EXPECT_EQ(registry.models.at("threat-scorer").size(), 2u);
  EXPECT_EQ(Champion(), "1");
}

TEST_F(WorkerTest, StrongerModelTakesTheChampion) {
  Environment weak = Env("run-1");
  weak["TRAINER_NUM_ROUND"] = "1";
  weak["TRAINER_MAX_DEPTH"] = "1";
  ASSERT_EQ(Run(weak), 0);
  ASSERT_EQ(Champion(), "1");
  ASSERT_EQ(Run(Env("run-2")), 0) << sink.bodies.back();
  const json done = Last();
  EXPECT_EQ(done["metrics"]["promoted"], 1);
  EXPECT_LT(done["metrics"]["champion_auc"].get<double>(), done["metrics"]["auc"].get<double>());
  EXPECT_NE(done["message"].get<std::string>().find("the interval lies above 0"),
            std::string::npos);
  EXPECT_EQ(Champion(), "2");
}

TEST_F(WorkerTest, ATieKeepsTheChampion) {
  ASSERT_EQ(Run(Env("run-1")), 0);
  ASSERT_EQ(Run(Env("run-2")), 0);  // same data, same parameters: the same AUC
  EXPECT_EQ(Last()["metrics"]["promoted"], 0);
  EXPECT_EQ(Last()["metrics"]["champion_auc"], Last()["metrics"]["auc"]);
  EXPECT_EQ(Champion(), "1");
}

TEST_F(WorkerTest, ChangedFeatureSetPromotesAndSaysSo) {
  // A champion trained on other features.
  FakeFeed other;
  for (int i = 0; i < 200; ++i) {
    other.Append("indicator", json({{"other", i % 7}, {"label", i % 2}}).dump());
  }
  FakeFeed saved = std::move(feed);
  feed = std::move(other);
  ASSERT_EQ(Run(Env("run-1", 200)), 0) << sink.bodies.back();
  feed = std::move(saved);
  ASSERT_EQ(Champion(), "1");

  ASSERT_EQ(Run(Env("run-2")), 0) << sink.bodies.back();
  EXPECT_EQ(Last()["metrics"]["promoted"], 1);
  EXPECT_NE(Last()["message"].get<std::string>().find("different feature set"), std::string::npos);
  EXPECT_EQ(Champion(), "2");
}

TEST_F(WorkerTest, ReadsExactlyTheWindowAndTheEntityTypes) {
  Environment env = Env("run-1");
  env["RETRAINING_WINDOW_AFTER"] = testing::CursorOf(500);
  env["RETRAINING_WINDOW_UPTO"] = testing::CursorOf(1500);
  env["RETRAINING_ENTITY_TYPES"] = "malware,threat-actor";
  // Count what the window holds for those types.
  auto counted = feed.CountUnseen(FeedFilter{{"malware", "threat-actor"}}, testing::CursorOf(500),
                                  testing::CursorOf(1500));
  ASSERT_GT(counted->count, 100);
  ASSERT_LT(counted->count, 1000);
  env["RETRAINING_RECORD_COUNT"] = std::to_string(counted->count);
  ASSERT_EQ(Run(env), 0) << sink.bodies.back();
  EXPECT_EQ(Last()["metrics"]["records"], counted->count);
}

TEST_F(WorkerTest, UndefinedAucFails) {
  FakeFeed tiny;
  for (int i = 0; i < 30; ++i) tiny.Append("indicator", json({{"x", i}, {"label", 1}}).dump());
  feed = std::move(tiny);
  ASSERT_EQ(Run(Env("run-1", 30)), 1);
  EXPECT_EQ(Last()["status"], "failed");
  EXPECT_NE(Last()["error"].get<std::string>().find("AUC is undefined"), std::string::npos);
  EXPECT_TRUE(registry.models.empty());
}

TEST_F(WorkerTest, ConflictOnAProgressEventStopsWithoutFurtherEvents) {
  sink.fail_at[2] =
      Fail(ErrorCode::kFailedPrecondition, "The job is cancelled.", "invalid_transition").error();
  WorkerContext ctx{Env("run-1"), feed, sink, &tracker, &tracker, &registry};
  EXPECT_EQ(RunWorker(ctx), 1);
  EXPECT_EQ(sink.bodies.size(), 2u);
  EXPECT_TRUE(registry.models.empty());
}

TEST_F(WorkerTest, UndeliverableProgressIsToleratedButCompletionIsNot) {
  const Error down = Fail(ErrorCode::kUnavailable, "Connection refused.").error();
  sink.fail_at[2] = down;
  WorkerContext ctx{Env("run-1"), feed, sink, &tracker, &tracker, &registry};
  EXPECT_EQ(RunWorker(ctx), 0);
  EXPECT_EQ(Last()["status"], "completed");

  RecordingSink failing_end;
  failing_end.fail_at[5] = down;
  WorkerContext ctx2{Env("run-2"), feed, failing_end};
  EXPECT_EQ(RunWorker(ctx2), 1);
  EXPECT_EQ(json::parse(failing_end.bodies.back())["status"], "completed");
}

TEST_F(WorkerTest, WithoutTrackingStillTrainsAndReports) {
  ASSERT_EQ(Run(Env("run-1"), /*with_tracking=*/false), 0);
  EXPECT_EQ(Last()["metrics"]["promoted"], 0);
  EXPECT_NE(Last()["message"].get<std::string>().find("No tracker"), std::string::npos);
}

TEST_F(WorkerTest, BadEnvironmentAndFeedErrorsAreReportedAsFailures) {
  Environment env = Env("run-1");
  env.erase("MODEL_ID");
  ASSERT_EQ(Run(env), 1);
  ASSERT_EQ(sink.bodies.size(), 1u);
  EXPECT_EQ(Last()["status"], "failed");
  EXPECT_NE(Last()["error"].get<std::string>().find("MODEL_ID"), std::string::npos);

  env = Env("run-1");
  env["TRAINER_MAX_DEPTH"] = "deep";
  ASSERT_EQ(Run(env), 1);
  EXPECT_NE(Last()["error"].get<std::string>().find("max_depth"), std::string::npos);

  feed.scan_error = Fail(ErrorCode::kUnavailable, "The feed database is locked.").error();
  ASSERT_EQ(Run(Env("run-1")), 1);
  EXPECT_NE(Last()["error"].get<std::string>().find("Reading the feed window failed"),
            std::string::npos);
}

// A feed that is down for a while: the worker waits for it and completes, once.
TEST_F(WorkerTest, AFeedOutageShorterThanTheBudgetIsWaitedOut) {
  feed.scan_error = Fail(ErrorCode::kUnavailable, "Connection refused.").error();
  on_sleep = [this] {
    if (sleeps.size() == 2) feed.scan_error.reset();  // back after the second wait
  };
  ASSERT_EQ(Run(Env("run-1")), 0) << sink.bodies.back();
  EXPECT_EQ(sleeps, (std::vector<int64_t>{1'000, 2'000}));
  EXPECT_EQ(Last()["status"], "completed");
  size_t completed = 0, failed = 0;
  for (const auto& b : sink.bodies) {
    completed += json::parse(b)["status"] == "completed";
    failed += json::parse(b)["status"] == "failed";
  }
  EXPECT_EQ(completed, 1u);
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(Champion(), "1");  // one version registered
}

// The gate on provoked challengers (issue: "a retrain must never make the production model
// worse"): a challenger trained on labels flipped with probability 0.45 is kept out, with the
// interval in the final sentence and the gate's metrics in the event.
TEST_F(WorkerTest, AChallengerTrainedOnNoisyLabelsDoesNotReplaceTheChampion) {
  ASSERT_EQ(Run(Env("run-1")), 0) << sink.bodies.back();
  ASSERT_EQ(Champion(), "1");
  // The same records, but the first 1400 (the training part) with noisy labels; the newest 600
  // (the holdout) are clean.
  FakeFeed noisy;
  SyntheticOptions o;
  o.count = 1400;
  o.seed = 17;
  o.label_noise = 0.45;
  noisy.AppendSynthetic(o);
  o.label_noise = 0;
  o.start_index = 1400;
  o.count = 600;
  noisy.AppendSynthetic(o);
  FakeFeed clean = std::move(feed);
  feed = std::move(noisy);
  ASSERT_EQ(Run(Env("run-2")), 0) << sink.bodies.back();
  feed = std::move(clean);
  const json done = Last();
  const json& m = done["metrics"];
  EXPECT_EQ(m["promoted"], 0) << done.dump();
  EXPECT_EQ(m["model_version"], 2);
  ASSERT_TRUE(m.contains("auc_delta") && m.contains("auc_delta_ci_low") &&
              m.contains("auc_delta_ci_high"))
      << done.dump();
  EXPECT_LT(m["auc_delta"].get<double>(), 0);
  EXPECT_LE(m["auc_delta_ci_low"].get<double>(), m["auc_delta"].get<double>());
  EXPECT_GE(m["auc_delta_ci_high"].get<double>(), m["auc_delta"].get<double>());
  EXPECT_LT(m["auc_delta_ci_low"].get<double>(), 0);
  EXPECT_GT(m["champion_auc"].get<double>(), m["auc"].get<double>());
  const std::string msg = done["message"];
  EXPECT_NE(msg.find("Kept the champion"), std::string::npos) << msg;
  EXPECT_NE(msg.find("95% CI ["), std::string::npos) << msg;
  EXPECT_EQ(Champion(), "1");
}

TEST_F(WorkerTest, ASmallHoldoutNeverPromotes) {
  Environment weak = Env("run-1");
  weak["TRAINER_NUM_ROUND"] = "1";
  weak["TRAINER_MAX_DEPTH"] = "1";
  ASSERT_EQ(Run(weak), 0);
  ASSERT_EQ(Champion(), "1");
  Environment strong = Env("run-2");
  strong["RETRAINING_HOLDOUT_FRACTION"] = "0.2";  // 400 rows, under minHoldout 500
  ASSERT_EQ(Run(strong), 0) << sink.bodies.back();
  const json done = Last();
  EXPECT_EQ(done["metrics"]["holdout_records"], 400);
  EXPECT_EQ(done["metrics"]["promoted"], 0);
  EXPECT_NE(done["message"].get<std::string>().find("fewer than evaluation.minHoldout (500)"),
            std::string::npos)
      << done["message"];
  EXPECT_EQ(Champion(), "1");
  // With minHoldout lowered, the same evidence promotes the clearly better model.
  strong = Env("run-3");
  strong["RETRAINING_HOLDOUT_FRACTION"] = "0.2";
  strong["RETRAINING_MIN_HOLDOUT"] = "300";
  ASSERT_EQ(Run(strong), 0) << sink.bodies.back();
  EXPECT_EQ(Last()["metrics"]["promoted"], 1) << Last().dump();
  EXPECT_EQ(Champion(), "3");
}

TEST_F(WorkerTest, TheHoldoutIsTheNewestRecords) {
  ASSERT_EQ(Run(Env("run-1")), 0) << sink.bodies.back();
  EXPECT_EQ(Last()["metrics"]["holdout_records"], 600);
  EXPECT_EQ(Last()["metrics"]["train_records"], 1400);
}

TEST_F(WorkerTest, TheGateMetricIsSelectable) {
  Environment weak = Env("run-1");
  weak["TRAINER_NUM_ROUND"] = "1";
  weak["TRAINER_MAX_DEPTH"] = "1";
  ASSERT_EQ(Run(weak), 0);
  Environment strong = Env("run-2");
  strong["RETRAINING_PROMOTION_METRIC"] = "logloss";
  ASSERT_EQ(Run(strong), 0) << sink.bodies.back();
  const json done = Last();
  const json& m = done["metrics"];
  ASSERT_TRUE(m.contains("champion_logloss")) << done.dump();
  // Oriented so that positive means better: the champion's logloss minus the challenger's.
  EXPECT_NEAR(m["logloss_delta"].get<double>(),
              m["champion_logloss"].get<double>() - m["logloss"].get<double>(), 1e-9);
  EXPECT_EQ(m["promoted"], 1) << done.dump();
}

// Training policies: the trigger window stays (after, upto]; what the worker trains on is the
// range ending at the window's end.
TEST_F(WorkerTest, TrainingPoliciesChooseTheRangeEndingAtTheWindow) {
  auto run = [&](const std::string& id, std::map<std::string, std::string> extra) {
    Environment env = Env(id, 500);
    env["RETRAINING_WINDOW_AFTER"] = testing::CursorOf(1500);
    env["RETRAINING_WINDOW_UPTO"] = testing::CursorOf(2000);
    for (auto& [k, v] : extra) env[k] = v;
    EXPECT_EQ(Run(env), 0) << sink.bodies.back();
    return Last()["metrics"];
  };
  json window = run("run-1", {});
  EXPECT_EQ(window["training_records"], 500);
  EXPECT_EQ(window["window_records"], 500);
  json all = run("run-2", {{"RETRAINING_TRAINING_POLICY", "cumulative"}});
  EXPECT_EQ(all["training_records"], 2000);
  EXPECT_EQ(all["window_records"], 500);  // the count check still applies to the window
  EXPECT_EQ(all["holdout_records"], 600);
  json capped = run("run-3", {{"RETRAINING_TRAINING_POLICY", "cumulative"},
                              {"RETRAINING_TRAINING_MAX_RECORDS", "1200"}});
  EXPECT_EQ(capped["training_records"], 1200);
  // FakeFeed records land 1 ms apart; the window's last landed at +2000 ms.
  json recent = run("run-4", {{"RETRAINING_TRAINING_POLICY", "lookback"},
                              {"RETRAINING_TRAINING_LOOKBACK_MS", "899"},
                              {"DATA_WINDOW_END", FormatRfc3339(1'700'000'002'000)}});
  EXPECT_EQ(recent["training_records"], 900);
  // The MLflow run records what each model was trained on, beside the trigger window.
  const int64_t t0 = 1'700'000'000'000;
  EXPECT_EQ(tracker.params["run-1"], (std::map<std::string, std::string>{
                                         {"training_policy", "window"},
                                         {"training_records", "500"},
                                         {"training_window_start", FormatRfc3339(t0 + 1501)},
                                         {"training_window_end", FormatRfc3339(t0 + 2000)}}));
  EXPECT_EQ(tracker.params["run-2"]["training_window_start"], FormatRfc3339(t0 + 1));
  EXPECT_EQ(tracker.params["run-3"]["training_records"], "1200");
  EXPECT_EQ(tracker.params["run-3"]["training_max_records"], "1200");
  EXPECT_EQ(tracker.params["run-3"]["training_window_start"], FormatRfc3339(t0 + 801));
  EXPECT_EQ(tracker.params["run-4"]["training_policy"], "lookback");
  EXPECT_EQ(tracker.params["run-4"]["training_window_start"], FormatRfc3339(t0 + 1101));
  EXPECT_EQ(tracker.params["run-4"]["training_lookback"], "899ms");
  Environment bad = Env("run-5", 500);
  bad["RETRAINING_TRAINING_POLICY"] = "everything";
  EXPECT_EQ(Run(bad), 1);
  EXPECT_NE(sink.bodies.back().find("RETRAINING_TRAINING_POLICY"), std::string::npos);
}

}  // namespace
}  // namespace retrain
