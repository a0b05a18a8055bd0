#include "trainer/worker_settings.h"

#include <gtest/gtest.h>

namespace retrain {
namespace {

Environment Minimal() {
  return {{"MODEL_ID", "threat-scorer"},
          {"RETRAINING_JOB_ID", "job-1"},
          {"RETRAINING_WINDOW_UPTO", "000000000100"}};
}

TEST(WorkerSettingsTest, ReadsTheContractVariables) {
  Environment env = Minimal();
  env["RETRAINING_WINDOW_AFTER"] = "000000000040";
  env["RETRAINING_ENTITY_TYPES"] = " malware, indicator ,,";
  env["RETRAINING_RECORD_COUNT"] = "60";
  env["MLFLOW_RUN_ID"] = "run-9";
  env["MLFLOW_EXPERIMENT_ID"] = "3";
  env["TRAINER_NUM_ROUND"] = "20";
  env["TRAINER_Max_Depth"] = "6";
  env["TRAINER_HOLDOUT_FRACTION"] = "0.25";
  env["TRAINER_SUBSAMPLE"] = "0.9";
  auto s = ParseWorkerSettings(env);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->model_id, "threat-scorer");
  EXPECT_EQ(s->job_id, "job-1");
  EXPECT_EQ(s->window_after, "000000000040");
  EXPECT_EQ(s->window_upto, "000000000100");
  EXPECT_EQ(s->entity_types, (std::vector<std::string>{"malware", "indicator"}));
  EXPECT_EQ(s->expected_records, 60);
  EXPECT_EQ(s->run_id, "run-9");
  EXPECT_EQ(s->experiment_id, "3");
  EXPECT_EQ(s->train.num_round, 20);
  EXPECT_EQ(s->train.max_depth, 6);
  EXPECT_DOUBLE_EQ(s->holdout_fraction, 0.25);
  EXPECT_EQ(s->train.extra.at("subsample"), "0.9");
}

TEST(WorkerSettingsTest, DefaultsWhenOptionalVariablesAreMissing) {
  auto s = ParseWorkerSettings(Minimal());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->window_after, "");
  EXPECT_TRUE(s->entity_types.empty());
  EXPECT_FALSE(s->expected_records.has_value());
  EXPECT_DOUBLE_EQ(s->holdout_fraction, 0.2);
  EXPECT_EQ(s->train.num_round, 50);
}

TEST(WorkerSettingsTest, ErrorsNameTheVariable) {
  for (const char* name : {"MODEL_ID", "RETRAINING_JOB_ID", "RETRAINING_WINDOW_UPTO"}) {
    Environment env = Minimal();
    env.erase(name);
    auto s = ParseWorkerSettings(env);
    ASSERT_FALSE(s.has_value()) << name;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message.find(name), std::string::npos);
  }
  Environment env = Minimal();
  env["RETRAINING_RECORD_COUNT"] = "12x";
  auto s = ParseWorkerSettings(env);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("RETRAINING_RECORD_COUNT"), std::string::npos);
  env = Minimal();
  env["TRAINER_HOLDOUT_FRACTION"] = "1";
  EXPECT_FALSE(ParseWorkerSettings(env).has_value());
  env = Minimal();
  env["TRAINER_ETA"] = "abc";
  s = ParseWorkerSettings(env);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("eta"), std::string::npos);
}

TEST(SplitListTest, TrimsAndDropsEmptyItems) {
  EXPECT_EQ(SplitList(""), std::vector<std::string>{});
  EXPECT_EQ(SplitList(" , ,"), std::vector<std::string>{});
  EXPECT_EQ(SplitList("a"), std::vector<std::string>{"a"});
  EXPECT_EQ(SplitList("a, b ,c"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(WorkerSettingsTest, TheGateIsConfiguredByItsVariables) {
  Environment env = Minimal();
  auto d = ParseWorkerSettings(env);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->gate.metric, GateMetric::kAuc);
  EXPECT_EQ(d->gate.min_holdout, 500);
  EXPECT_EQ(d->gate.resamples, 1000);
  EXPECT_DOUBLE_EQ(d->holdout_fraction, 0.2);

  env["RETRAINING_PROMOTION_METRIC"] = "f1";
  env["RETRAINING_PROMOTION_MIN_DELTA"] = "0.02";
  env["RETRAINING_PROMOTION_CONFIDENCE"] = "0.99";
  env["RETRAINING_PROMOTION_RESAMPLES"] = "5000";
  env["RETRAINING_PROMOTION_SEED"] = "9";
  env["RETRAINING_MIN_HOLDOUT"] = "50";
  env["TRAINER_HOLDOUT_FRACTION"] = "0.1";
  env["RETRAINING_HOLDOUT_FRACTION"] = "0.25";  // wins over the trainer parameter
  auto s = ParseWorkerSettings(env);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->gate.metric, GateMetric::kF1);
  EXPECT_DOUBLE_EQ(s->gate.min_delta, 0.02);
  EXPECT_DOUBLE_EQ(s->gate.confidence, 0.99);
  EXPECT_EQ(s->gate.resamples, 5000);
  EXPECT_EQ(s->gate.seed, 9u);
  EXPECT_EQ(s->gate.min_holdout, 50);
  EXPECT_DOUBLE_EQ(s->holdout_fraction, 0.25);

  for (auto [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"RETRAINING_PROMOTION_METRIC", "rmse"},
                                                        {"RETRAINING_PROMOTION_MIN_DELTA", "-1"},
                                                        {"RETRAINING_PROMOTION_CONFIDENCE", "1.5"},
                                                        {"RETRAINING_PROMOTION_RESAMPLES", "999"},
                                                        {"RETRAINING_PROMOTION_SEED", "x"},
                                                        {"RETRAINING_MIN_HOLDOUT", "-5"},
                                                        {"RETRAINING_HOLDOUT_FRACTION", "0"}}) {
    Environment bad = Minimal();
    bad[name] = value;
    auto r = ParseWorkerSettings(bad);
    ASSERT_FALSE(r.has_value()) << name << "=" << value;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(name), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace retrain
