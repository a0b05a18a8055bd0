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
  return env;
}

}  // namespace retrain
