#pragma once
// A model that retrain watches, as configured under `models:`.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace retrain {

// How the reference worker holds out records to judge a model on (`evaluation:` of a model).
struct EvaluationSettings {
  // The newest fraction of the training records forms the holdout, in (0, 1). Unset: the worker
  // falls back to params.holdout_fraction (TRAINER_HOLDOUT_FRACTION), then 0.2.
  std::optional<double> holdout_fraction;
  // A holdout with fewer rows is too little evidence: the gate never promotes on it.
  int64_t min_holdout = 500;
};

// When a challenger replaces the champion (`promotion:` of a model; trainer/gate_stats.h).
struct PromotionSettings {
  std::string metric = "auc";  // auc | logloss | accuracy | f1
  double min_delta = 0;        // least improvement of the metric that promotes, >= 0
  double confidence = 0.95;    // two-sided level of the bootstrap interval, in (0, 1)
  int resamples = 1000;        // paired bootstrap resamples, 1000 .. 1000000
  uint64_t seed = 1;           // seed of the bootstrap
};

// What a job's worker trains on (`training:` of a model). The trigger window decides *when* a job
// runs and is never changed by this; the training range is what the worker reads, ending at the
// window's end:
//   window      the window alone
//   cumulative  every record from the feed start (at most max_records, the newest)
//   lookback    the records that landed at most lookback_ms before the window's end and/or the
//               newest max_records
struct TrainingPolicy {
  std::string policy = "window";  // window | cumulative | lookback
  std::optional<int64_t> lookback_ms;
  std::optional<int64_t> max_records;
};

// Drift as a trigger (`trigger.drift:` of a model): a job starts when the population stability
// index of any watched feature between the champion's training data and the unseen records
// reaches `threshold`, once at least `min_records` records are unseen (PSI of small samples is
// noisy), even below minRecords.
struct DriftSettings {
  double threshold = 0.2;             // PSI; 0.1 is a moderate shift, 0.25 a major one
  std::vector<std::string> features;  // empty = every feature of the champion's summary
  int64_t min_records = 200;
};

struct ModelSettings {
  std::string id;
  int64_t min_records = 50;
  // Only feed records whose entity type is one of these count for the model; empty = all.
  std::vector<std::string> entity_types;
  // The worker command for the local executor; empty = this binary's `worker` subcommand.
  std::vector<std::string> command;
  // The container image for the Kubernetes executor; empty = RETRAINING_IMAGE / the default.
  std::string image;
  int64_t timeout_ms = 3'600'000;       // one attempt's wall-clock limit
  int max_attempts = 3;                 // attempts before the job fails
  std::optional<int64_t> max_wait_ms;   // fire with fewer records once the oldest is this old
  int64_t cooldown_ms = 0;              // minimum time between two job starts
  std::optional<std::string> schedule;  // cron: fire at these times when data is unseen
  std::optional<DriftSettings> drift;   // fire when the unseen records drift (trigger.drift)
  // Free-form trainer parameters passed to the worker as TRAINER_<KEY> variables.
  std::map<std::string, std::string> params;
  TrainingPolicy training;
  EvaluationSettings evaluation;
  PromotionSettings promotion;
};

// The model with id `id` in `models`, or null.
inline const ModelSettings* FindModel(const std::vector<ModelSettings>& models,
                                      std::string_view id) {
  for (const auto& m : models)
    if (m.id == id) return &m;
  return nullptr;
}

// The worker environment entries of a model's evaluation and promotion settings (CONTRACT
// section 7): RETRAINING_MIN_HOLDOUT, RETRAINING_PROMOTION_METRIC, RETRAINING_PROMOTION_MIN_DELTA,
// RETRAINING_PROMOTION_CONFIDENCE, RETRAINING_PROMOTION_RESAMPLES, RETRAINING_PROMOTION_SEED
// always, and RETRAINING_HOLDOUT_FRACTION when evaluation.holdoutFraction is set. Numbers are
// written in their shortest round-trip form; and RETRAINING_TRAINING_POLICY with
// RETRAINING_TRAINING_LOOKBACK_MS / RETRAINING_TRAINING_MAX_RECORDS when set. Numbers are
// written in their shortest round-trip form ("0.95", not "0.9499999..."). Thread-safe.
std::map<std::string, std::string> QualityWorkerEnv(const ModelSettings& model);

}  // namespace retrain
