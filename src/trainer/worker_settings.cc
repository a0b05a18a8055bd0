#include "trainer/worker_settings.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/strings.h"

namespace retrain {
namespace {

constexpr std::string_view kTrainerPrefix = "TRAINER_";

std::string Get(const Environment& env, const std::string& name) {
  const auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

std::unexpected<Error> Missing(const std::string& name) {
  return Fail(ErrorCode::kInvalidArgument,
              "The worker needs the environment variable " + name + ", which is not set.");
}

// An optional number from the environment, checked by `ok`; `expected` says what is accepted.
template <typename Ok>
Status ReadNumber(const Environment& env, const std::string& name, Ok ok,
                  const std::string& expected, double* out) {
  const std::string v = Trim(Get(env, name));
  if (v.empty()) return {};
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end != v.c_str() + v.size() || !std::isfinite(d) || !ok(d)) {
    return Fail(ErrorCode::kInvalidArgument,
                name + "=\"" + v + "\" is invalid: expected " + expected + ".");
  }
  *out = d;
  return {};
}

Status ReadInteger(const Environment& env, const std::string& name, int64_t min, int64_t max,
                   int64_t* out) {
  const std::string v = Trim(Get(env, name));
  if (v.empty()) return {};
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < min || n > max) {
    return Fail(ErrorCode::kInvalidArgument,
                name + "=\"" + v + "\" is invalid: expected a whole number from " +
                    std::to_string(min) + " to " + std::to_string(max) + ".");
  }
  *out = n;
  return {};
}

Status ReadGate(const Environment& env, WorkerSettings* s) {
  if (const std::string metric = Trim(Get(env, "RETRAINING_PROMOTION_METRIC")); !metric.empty()) {
    auto m = ParseGateMetric(metric);
    if (!m) {
      return Fail(ErrorCode::kInvalidArgument, "RETRAINING_PROMOTION_METRIC: " + m.error().message);
    }
    s->gate.metric = *m;
  }
  if (auto st = ReadNumber(
          env, "RETRAINING_PROMOTION_MIN_DELTA", [](double d) { return d >= 0; },
          "a number of 0 or more", &s->gate.min_delta);
      !st) {
    return st;
  }
  if (auto st = ReadNumber(
          env, "RETRAINING_PROMOTION_CONFIDENCE", [](double c) { return c > 0 && c < 1; },
          "a number between 0 and 1, exclusive", &s->gate.confidence);
      !st) {
    return st;
  }
  int64_t resamples = s->gate.resamples;
  if (auto st = ReadInteger(env, "RETRAINING_PROMOTION_RESAMPLES", 1000, 1'000'000, &resamples);
      !st) {
    return st;
  }
  s->gate.resamples = static_cast<int>(resamples);
  int64_t seed = static_cast<int64_t>(s->gate.seed);
  if (auto st = ReadInteger(env, "RETRAINING_PROMOTION_SEED", 0,
                            std::numeric_limits<int64_t>::max(), &seed);
      !st) {
    return st;
  }
  s->gate.seed = static_cast<uint64_t>(seed);
  return ReadInteger(env, "RETRAINING_MIN_HOLDOUT", 0, 1'000'000'000, &s->gate.min_holdout);
}

}  // namespace

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = Trim(std::string_view(text).substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

Result<WorkerSettings> ParseWorkerSettings(const Environment& env) {
  WorkerSettings s;
  s.model_id = Trim(Get(env, "MODEL_ID"));
  if (s.model_id.empty()) return Missing("MODEL_ID");
  s.job_id = Trim(Get(env, "RETRAINING_JOB_ID"));
  if (s.job_id.empty()) return Missing("RETRAINING_JOB_ID");
  s.window_after = Get(env, "RETRAINING_WINDOW_AFTER");
  s.window_upto = Get(env, "RETRAINING_WINDOW_UPTO");
  if (s.window_upto.empty()) return Missing("RETRAINING_WINDOW_UPTO");
  s.entity_types = SplitList(Get(env, "RETRAINING_ENTITY_TYPES"));

  const std::string count = Trim(Get(env, "RETRAINING_RECORD_COUNT"));
  if (!count.empty()) {
    int64_t n = -1;
    auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (ec != std::errc() || ptr != count.data() + count.size() || n < 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "RETRAINING_RECORD_COUNT must be a non-negative integer, got \"" + count + "\".");
    }
    s.expected_records = n;
  }

  s.run_id = Trim(Get(env, "MLFLOW_RUN_ID"));
  s.experiment_id = Trim(Get(env, "MLFLOW_EXPERIMENT_ID"));
  s.data_window_start = Get(env, "DATA_WINDOW_START");
  s.data_window_end = Get(env, "DATA_WINDOW_END");
  s.reason = Get(env, "RETRAINING_REASON");

  std::map<std::string, std::string> params;
  for (const auto& [name, value] : env) {
    if (name.size() <= kTrainerPrefix.size() || !name.starts_with(kTrainerPrefix)) continue;
    std::string key = AsciiLower(std::string_view(name).substr(kTrainerPrefix.size()));
    params[key] = Trim(value);
  }
  if (auto it = params.find("holdout_fraction"); it != params.end()) {
    char* end = nullptr;
    const double f = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || end != it->second.c_str() + it->second.size() || !std::isfinite(f) ||
        f <= 0.0 || f >= 1.0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "Trainer parameter holdout_fraction=\"" + it->second +
                      "\" is invalid: expected a number between 0 and 1, exclusive.");
    }
    s.holdout_fraction = f;
    params.erase(it);
  }
  // RETRAINING_HOLDOUT_FRACTION (the model's evaluation.holdoutFraction) wins over the trainer
  // parameter.
  if (auto st = ReadNumber(
          env, "RETRAINING_HOLDOUT_FRACTION", [](double f) { return f > 0 && f < 1; },
          "a number between 0 and 1, exclusive", &s.holdout_fraction);
      !st) {
    return std::unexpected(st.error());
  }
  if (auto st = ReadGate(env, &s); !st) return std::unexpected(st.error());
  if (std::string p = Trim(Get(env, "RETRAINING_TRAINING_POLICY")); !p.empty()) {
    if (p != "window" && p != "cumulative" && p != "lookback") {
      return Fail(ErrorCode::kInvalidArgument,
                  "RETRAINING_TRAINING_POLICY=\"" + p +
                      "\" is invalid: expected window, cumulative or lookback.");
    }
    s.training_policy = p;
  }
  for (auto [name, out] : {std::pair{"RETRAINING_TRAINING_LOOKBACK_MS", &s.training_lookback_ms},
                           std::pair{"RETRAINING_TRAINING_MAX_RECORDS", &s.training_max_records}}) {
    if (Trim(Get(env, name)).empty()) continue;
    int64_t v = 0;
    if (auto st = ReadInteger(env, name, 1, std::numeric_limits<int64_t>::max(), &v); !st) {
      return std::unexpected(st.error());
    }
    *out = v;
  }
  auto train = ParseTrainParams(params);
  if (!train) return std::unexpected(train.error());
  s.train = std::move(*train);
  return s;
}

}  // namespace retrain
