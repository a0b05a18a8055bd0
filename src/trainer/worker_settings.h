#pragma once
// The worker's view of its environment (CONTRACT section 7): the same variables whether a
// Kubernetes Job or a local subprocess runs it.
//
//   MODEL_ID                    required; also the registered model's name
//   RETRAINING_JOB_ID           required
//   RETRAINING_WINDOW_AFTER     the window's exclusive start cursor ("" = feed start)
//   RETRAINING_WINDOW_UPTO      required; the window's inclusive end cursor
//   RETRAINING_ENTITY_TYPES     comma-separated entity types; empty/unset = every record
//   RETRAINING_RECORD_COUNT     records the orchestrator counted in the window; the worker fails
//                               when it reads a different number (unset = not checked)
//   RETRAINING_FEED_URI         the feed (opened by the caller)
//   RETRAINING_CALLBACK_URL, RETRAINING_CALLBACK_TOKEN   where events go (used by the caller)
//   MLFLOW_RUN_ID, MLFLOW_EXPERIMENT_ID, MLFLOW_TRACKING_URI   the job's MLflow run
//   DATA_WINDOW_START, DATA_WINDOW_END, RETRAINING_REASON      informational, shown in messages
//   TRAINER_<PARAM>             trainer parameters; <PARAM> is lower-cased: TRAINER_NUM_ROUND=80
//                               gives num_round=80. Known: num_round, max_depth, eta, seed,
//                               nthread (see ParseTrainParams) and holdout_fraction (the
//                               fallback of RETRAINING_HOLDOUT_FRACTION); any other goes to
//                               XGBoost as is.
//   The champion gate (a model's `evaluation:` and `promotion:`; trainer/gate_stats.h):
//   RETRAINING_HOLDOUT_FRACTION      the newest fraction of the records held out, in (0, 1);
//                                    default TRAINER_HOLDOUT_FRACTION, then 0.2
//   RETRAINING_MIN_HOLDOUT           smaller holdouts never promote (default 500)
//   RETRAINING_PROMOTION_METRIC      auc | logloss | accuracy | f1 (default auc)
//   RETRAINING_PROMOTION_MIN_DELTA   least improvement that promotes (default 0)
//   RETRAINING_PROMOTION_CONFIDENCE  level of the bootstrap interval, in (0, 1) (default 0.95)
//   RETRAINING_PROMOTION_RESAMPLES   bootstrap resamples, >= 1000 (default 1000)
//   RETRAINING_PROMOTION_SEED        bootstrap seed (default 1)
//   The training range (a model's `training:`; core/model.h TrainingPolicy):
//   RETRAINING_TRAINING_POLICY       window (default) | cumulative | lookback
//   RETRAINING_TRAINING_LOOKBACK_MS  lookback: records landed at most this long before
//                                    DATA_WINDOW_END
//   RETRAINING_TRAINING_MAX_RECORDS  at most this many records, the newest

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "trainer/gate_stats.h"
#include "trainer/xgb_model.h"

namespace retrain {

using Environment = std::map<std::string, std::string>;

struct WorkerSettings {
  std::string model_id;
  std::string job_id;
  std::string window_after;
  std::string window_upto;
  std::vector<std::string> entity_types;
  std::optional<int64_t> expected_records;
  std::string run_id;  // "" when no MLflow run was given
  std::string experiment_id;
  std::string data_window_start, data_window_end, reason;
  double holdout_fraction = 0.2;
  GateOptions gate;
  std::string training_policy = "window";
  std::optional<int64_t> training_lookback_ms;
  std::optional<int64_t>
      training_max_records;  // metric, min_delta, confidence, resamples, seed, min_holdout
  TrainParams train;
};

// Reads and validates the settings. Errors: kInvalidArgument naming the variable when a
// required one is missing or a value is malformed (a record count that is not a non-negative
// integer, a bad trainer parameter).
[[nodiscard]] Result<WorkerSettings> ParseWorkerSettings(const Environment& env);

// Splits "a, b,,c" into {"a", "b", "c"} (trimmed, empty items dropped).
std::vector<std::string> SplitList(const std::string& text);

}  // namespace retrain
