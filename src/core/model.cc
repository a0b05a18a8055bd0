#include "core/model.h"

#include <charconv>

namespace retrain {
namespace {

std::string Shortest(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

}  // namespace

std::map<std::string, std::string> QualityWorkerEnv(const ModelSettings& model) {
  std::map<std::string, std::string> env;
  if (model.evaluation.holdout_fraction) {
    env["RETRAINING_HOLDOUT_FRACTION"] = Shortest(*model.evaluation.holdout_fraction);
  }
  env["RETRAINING_MIN_HOLDOUT"] = std::to_string(model.evaluation.min_holdout);
  env["RETRAINING_PROMOTION_METRIC"] = model.promotion.metric;
  env["RETRAINING_PROMOTION_MIN_DELTA"] = Shortest(model.promotion.min_delta);
  env["RETRAINING_PROMOTION_CONFIDENCE"] = Shortest(model.promotion.confidence);
  env["RETRAINING_PROMOTION_RESAMPLES"] = std::to_string(model.promotion.resamples);
  env["RETRAINING_PROMOTION_SEED"] = std::to_string(model.promotion.seed);
  env["RETRAINING_TRAINING_POLICY"] = model.training.policy;
  if (model.training.lookback_ms) {
    env["RETRAINING_TRAINING_LOOKBACK_MS"] = std::to_string(*model.training.lookback_ms);
  }
  if (model.training.max_records) {
    env["RETRAINING_TRAINING_MAX_RECORDS"] = std::to_string(*model.training.max_records);
  }
  return env;
}

}  // namespace retrain
