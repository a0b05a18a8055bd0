#include "trainer/gate_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <random>

#include "trainer/metrics.h"

namespace retrain {
namespace {

constexpr double kLogLossEps = 1e-15;  // LogLoss's default clipping
constexpr double kThreshold = 0.5;     // Accuracy's and F1's default threshold
constexpr int64_t kMaxRows = std::numeric_limits<uint32_t>::max();

bool IsPositive(float label) { return label > 0.5f; }

uint64_t StreamSeed(uint64_t seed, int resample) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (static_cast<uint64_t>(resample) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Calls visit(index) for each of the n draws of resample `resample`, as BootstrapIndices says.
template <typename Visit>
void DrawResample(uint64_t seed, uint64_t n, int resample, Visit&& visit) {
  std::mt19937_64 engine(StreamSeed(seed, resample));
  for (uint64_t k = 0; k < n; ++k) {
    visit(static_cast<uint32_t>((static_cast<unsigned __int128>(engine()) * n) >> 64));
  }
}

// One model's predictions, prepared once so that the metric of any resample (given as per-row
// multiplicities) takes one O(n) pass. Assumes sizes match and, for kAuc, no NaN score.
class ResampleEvaluator {
 public:
  ResampleEvaluator(GateMetric metric, std::span<const float> probabilities,
                    std::span<const float> labels)
      : metric_(metric) {
    const size_t n = labels.size();
    if (metric == GateMetric::kAuc) {
      sorted_rows_.resize(n);
      std::iota(sorted_rows_.begin(), sorted_rows_.end(), 0u);
      std::sort(sorted_rows_.begin(), sorted_rows_.end(),
                [&](uint32_t a, uint32_t b) { return probabilities[a] < probabilities[b]; });
      sorted_positive_.resize(n);
      for (size_t k = 0; k < n; ++k) {
        sorted_positive_[k] = IsPositive(labels[sorted_rows_[k]]) ? 1 : 0;
        if (k + 1 == n || probabilities[sorted_rows_[k + 1]] != probabilities[sorted_rows_[k]]) {
          tie_group_ends_.push_back(static_cast<uint32_t>(k + 1));
        }
      }
    } else if (metric == GateMetric::kLogLoss) {
      row_loss_.resize(n);
      for (size_t i = 0; i < n; ++i) {
        const double p =
            std::clamp(static_cast<double>(probabilities[i]), kLogLossEps, 1.0 - kLogLossEps);
        row_loss_[i] = IsPositive(labels[i]) ? -std::log(p) : -std::log(1.0 - p);
      }
    } else {
      row_outcome_.resize(n);
      for (size_t i = 0; i < n; ++i) {
        const bool predicted = static_cast<double>(probabilities[i]) > kThreshold;
        const bool actual = IsPositive(labels[i]);
        row_outcome_[i] = predicted ? (actual ? kTruePositive : kFalsePositive)
                                    : (actual ? kFalseNegative : kTrueNegative);
      }
    }
  }

  // nullopt when the metric is undefined on the resample (or it is empty).
  std::optional<double> Evaluate(std::span<const uint32_t> counts) const {
    switch (metric_) {
      case GateMetric::kAuc:
        return WeightedAuc(counts);
      case GateMetric::kLogLoss:
        return WeightedLogLoss(counts);
      case GateMetric::kAccuracy:
      case GateMetric::kF1:
        return WeightedConfusion(counts);
    }
    return std::nullopt;
  }

 private:
  enum Outcome : uint8_t { kTruePositive, kFalsePositive, kFalseNegative, kTrueNegative };

  // The Mann-Whitney statistic with multiplicities: within a group of tied scores, each positive
  // copy beats every negative copy below the group and ties (half) each negative copy in it.
  std::optional<double> WeightedAuc(std::span<const uint32_t> counts) const {
    double u = 0;
    uint64_t positives = 0;
    uint64_t negatives_below = 0;
    size_t k = 0;
    for (uint32_t end : tie_group_ends_) {
      uint64_t group_positives = 0;
      uint64_t group_total = 0;
      for (; k < end; ++k) {  // branch-free: the labels are unpredictable
        const uint64_t w = counts[sorted_rows_[k]];
        group_positives += w * sorted_positive_[k];
        group_total += w;
      }
      const uint64_t group_negatives = group_total - group_positives;
      u += static_cast<double>(group_positives) *
           (static_cast<double>(negatives_below) + 0.5 * static_cast<double>(group_negatives));
      positives += group_positives;
      negatives_below += group_negatives;
    }
    if (positives == 0 || negatives_below == 0) return std::nullopt;
    return u / (static_cast<double>(positives) * static_cast<double>(negatives_below));
  }

  std::optional<double> WeightedLogLoss(std::span<const uint32_t> counts) const {
    double sum = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < row_loss_.size(); ++i) {
      sum += static_cast<double>(counts[i]) * row_loss_[i];
      total += counts[i];
    }
    if (total == 0) return std::nullopt;
    return sum / static_cast<double>(total);
  }

  std::optional<double> WeightedConfusion(std::span<const uint32_t> counts) const {
    uint64_t by_outcome[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < row_outcome_.size(); ++i) by_outcome[row_outcome_[i]] += counts[i];
    const uint64_t tp = by_outcome[kTruePositive];
    const uint64_t mistakes = by_outcome[kFalsePositive] + by_outcome[kFalseNegative];
    if (metric_ == GateMetric::kAccuracy) {
      const uint64_t total = tp + mistakes + by_outcome[kTrueNegative];
      if (total == 0) return std::nullopt;
      return static_cast<double>(tp + by_outcome[kTrueNegative]) / static_cast<double>(total);
    }
    if (2 * tp + mistakes == 0) return std::nullopt;
    return static_cast<double>(2 * tp) / static_cast<double>(2 * tp + mistakes);
  }

  GateMetric metric_;
  std::vector<uint32_t> sorted_rows_;     // kAuc: row indices by ascending score
  std::vector<uint8_t> sorted_positive_;  // kAuc: label of sorted_rows_[k]
  std::vector<uint32_t> tie_group_ends_;  // kAuc: one past the last k of each tied group
  std::vector<double> row_loss_;          // kLogLoss: clipped cross-entropy of row i
  std::vector<Outcome> row_outcome_;      // kAccuracy, kF1: confusion cell of row i
};

double Oriented(GateMetric metric, double champion, double challenger) {
  return HigherIsBetter(metric) ? challenger - champion : champion - challenger;
}

// numpy.quantile(sorted, q) with method='linear', including numpy's two-sided lerp.
double LinearQuantile(const std::vector<double>& sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(h));
  const size_t next = std::min(i + 1, sorted.size() - 1);
  const double t = h - static_cast<double>(i);
  const double a = sorted[i];
  const double b = sorted[next];
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

bool HasNaN(std::span<const float> values) {
  return std::any_of(values.begin(), values.end(), [](float v) { return std::isnan(v); });
}

std::string Fixed(const char* format, double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// "auc champion 0.9120, challenger 0.9150"
std::string Values(GateMetric metric, const PairedComparison& c) {
  return std::string(GateMetricName(metric)) + " champion " + Fixed("%.4f", c.champion) +
         ", challenger " + Fixed("%.4f", c.challenger);
}

// "auc champion 0.9120, challenger 0.9150 (delta +0.0030, 95% CI [-0.0040, +0.0100])"
std::string Evidence(const GateOptions& options, const PairedComparison& c) {
  return Values(options.metric, c) + " (delta " + Fixed("%+.4f", c.delta) + ", " +
         Fixed("%g", options.confidence * 100) + "% CI [" + Fixed("%+.4f", c.ci_low) + ", " +
         Fixed("%+.4f", c.ci_high) + "])";
}

}  // namespace

Result<GateMetric> ParseGateMetric(std::string_view name) {
  for (GateMetric m :
       {GateMetric::kAuc, GateMetric::kLogLoss, GateMetric::kAccuracy, GateMetric::kF1}) {
    if (name == GateMetricName(m)) return m;
  }
  return Fail(ErrorCode::kInvalidArgument, "Unknown gate metric \"" + std::string(name) +
                                               "\"; expected one of auc, logloss, accuracy, f1.");
}

std::string_view GateMetricName(GateMetric metric) {
  switch (metric) {
    case GateMetric::kAuc:
      return "auc";
    case GateMetric::kLogLoss:
      return "logloss";
    case GateMetric::kAccuracy:
      return "accuracy";
    case GateMetric::kF1:
      return "f1";
  }
  return "auc";
}

bool HigherIsBetter(GateMetric metric) { return metric != GateMetric::kLogLoss; }

std::optional<double> ComputeMetric(GateMetric metric, std::span<const float> probabilities,
                                    std::span<const float> labels) {
  switch (metric) {
    case GateMetric::kAuc:
      return Auc(probabilities, labels);
    case GateMetric::kLogLoss:
      return LogLoss(probabilities, labels, kLogLossEps);
    case GateMetric::kAccuracy:
      return Accuracy(probabilities, labels, kThreshold);
    case GateMetric::kF1:
      return F1(probabilities, labels, kThreshold);
  }
  return std::nullopt;
}

std::optional<double> ComputeWeightedMetric(GateMetric metric, std::span<const float> probabilities,
                                            std::span<const float> labels,
                                            std::span<const uint32_t> multiplicities) {
  if (probabilities.size() != labels.size() || multiplicities.size() != labels.size()) {
    return std::nullopt;
  }
  if (labels.size() > static_cast<size_t>(kMaxRows)) return std::nullopt;
  if (metric == GateMetric::kAuc && HasNaN(probabilities)) return std::nullopt;
  return ResampleEvaluator(metric, probabilities, labels).Evaluate(multiplicities);
}

std::vector<uint32_t> BootstrapIndices(uint64_t seed, int64_t n, int resample) {
  std::vector<uint32_t> indices;
  if (n <= 0 || n > kMaxRows || resample < 0) return indices;
  indices.reserve(static_cast<size_t>(n));
  DrawResample(seed, static_cast<uint64_t>(n), resample, [&](uint32_t i) { indices.push_back(i); });
  return indices;
}

Result<PairedComparison> ComparePaired(const GateOptions& options,
                                       std::span<const float> champion_probs,
                                       std::span<const float> challenger_probs,
                                       std::span<const float> labels) {
  if (!(options.confidence > 0 && options.confidence < 1)) {
    return Fail(ErrorCode::kInvalidArgument,
                "The gate's confidence must lie strictly between 0 and 1, not " +
                    Fixed("%g", options.confidence) + ".");
  }
  if (options.resamples < 1) {
    return Fail(ErrorCode::kInvalidArgument, "The gate needs at least one bootstrap resample.");
  }
  const size_t n = labels.size();
  if (champion_probs.size() != n || challenger_probs.size() != n) {
    return Fail(ErrorCode::kFailedPrecondition,
                "The champion has " + std::to_string(champion_probs.size()) +
                    " predictions and the challenger " + std::to_string(challenger_probs.size()) +
                    " for a holdout of " + std::to_string(n) + " labels.");
  }
  if (n == 0) return Fail(ErrorCode::kFailedPrecondition, "The holdout has no rows to compare on.");
  if (n > static_cast<size_t>(kMaxRows)) {
    return Fail(ErrorCode::kFailedPrecondition,
                "The holdout has " + std::to_string(n) + " rows, more than the gate supports.");
  }
  if (HasNaN(champion_probs) || HasNaN(challenger_probs)) {
    return Fail(ErrorCode::kFailedPrecondition, "A model predicted NaN on the holdout.");
  }
  const std::string metric_name(GateMetricName(options.metric));
  const auto champion = ComputeMetric(options.metric, champion_probs, labels);
  const auto challenger = ComputeMetric(options.metric, challenger_probs, labels);
  if (!champion || !challenger) {
    return Fail(ErrorCode::kFailedPrecondition,
                "The holdout's " + metric_name +
                    " is undefined (for auc the holdout lacks a class; for f1 it has neither "
                    "positive labels nor positive predictions).");
  }

  const ResampleEvaluator champion_eval(options.metric, champion_probs, labels);
  const ResampleEvaluator challenger_eval(options.metric, challenger_probs, labels);
  std::vector<uint32_t> counts(n);
  std::vector<double> deltas;
  deltas.reserve(static_cast<size_t>(options.resamples));
  int skipped = 0;
  for (int r = 0; r < options.resamples; ++r) {
    std::fill(counts.begin(), counts.end(), 0u);
    DrawResample(options.seed, n, r, [&](uint32_t i) { ++counts[i]; });
    const auto a = champion_eval.Evaluate(counts);
    const auto b = challenger_eval.Evaluate(counts);
    if (!a || !b) {
      ++skipped;
      continue;
    }
    deltas.push_back(Oriented(options.metric, *a, *b));
  }
  if (deltas.empty() || static_cast<int64_t>(skipped) * 10 > options.resamples) {
    return Fail(ErrorCode::kFailedPrecondition,
                "The " + metric_name + " was undefined on " + std::to_string(skipped) + " of " +
                    std::to_string(options.resamples) +
                    " bootstrap resamples of the holdout (more than a tenth), so the holdout is "
                    "too unbalanced for an interval.");
  }
  std::sort(deltas.begin(), deltas.end());
  const double tail = (1 - options.confidence) / 2;
  PairedComparison out;
  out.champion = *champion;
  out.challenger = *challenger;
  out.delta = Oriented(options.metric, *champion, *challenger);
  out.ci_low = LinearQuantile(deltas, tail);
  out.ci_high = LinearQuantile(deltas, 1 - tail);
  out.resamples_used = static_cast<int>(deltas.size());
  return out;
}

GateVerdict DecidePromotion(const GateOptions& options, std::optional<PairedComparison> comparison,
                            int64_t holdout_size, bool has_champion) {
  GateVerdict v;
  v.comparison = comparison;
  if (!has_champion) {
    v.promote = true;
    v.reason = "Promoted: the first version becomes champion, as there is none to compare with.";
    return v;
  }
  if (holdout_size < options.min_holdout) {
    v.reason = "Kept the champion: the holdout has " + std::to_string(holdout_size) +
               " rows, fewer than evaluation.minHoldout (" + std::to_string(options.min_holdout) +
               "), too little evidence to promote on" +
               (comparison ? " (" + Values(options.metric, *comparison) + ")" : std::string()) +
               ".";
    return v;
  }
  if (!comparison) {
    v.reason =
        "Kept the champion: there is no comparison of the challenger with it on the "
        "holdout.";
    return v;
  }
  const PairedComparison& c = *comparison;
  const bool enough = c.delta >= options.min_delta;
  const bool above_zero = c.ci_low > 0;
  v.promote = enough && above_zero;
  std::string why;
  if (v.promote) {
    why = "the delta reaches promotion.minDelta (" + Fixed("%.4f", options.min_delta) +
          ") and the interval lies above 0";
  } else {
    if (!enough) {
      why = "the delta is below promotion.minDelta (" + Fixed("%.4f", options.min_delta) + ")";
    }
    if (!above_zero) {
      if (!why.empty()) why += " and ";
      why += c.ci_high < 0 ? "the interval lies below 0" : "the interval includes 0";
    }
  }
  v.reason = std::string(v.promote ? "Promoted" : "Kept the champion") + ": " +
             Evidence(options, c) + " \u2014 " + why + ".";
  return v;
}

}  // namespace retrain
