#pragma once
// The statistics of the champion gate: a challenger replaces the champion only when its metric on
// the shared holdout improves by at least `min_delta` AND the lower bound of a paired bootstrap
// confidence interval of that improvement is above zero. A holdout smaller than `min_holdout` is
// too little evidence to promote on (a first version still becomes champion).
//
// Labels are 0 or 1 (anything > 0.5 counts as 1); probabilities are the models' outputs, one per
// label, in the same row order for both models. Everything here is a pure function of its
// arguments (randomness comes only from the explicit seed), so every function is thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace retrain {

// The metric the gate compares. kLogLoss is lower-is-better; the others higher-is-better.
enum class GateMetric { kAuc, kLogLoss, kAccuracy, kF1 };

// "auc", "logloss", "accuracy", "f1" (exactly, lower case) -> the metric.
// Errors: kInvalidArgument for any other text (the message lists the accepted names).
[[nodiscard]] Result<GateMetric> ParseGateMetric(std::string_view name);
// The inverse of ParseGateMetric: "auc", "logloss", "accuracy" or "f1".
std::string_view GateMetricName(GateMetric metric);
// False only for kLogLoss.
bool HigherIsBetter(GateMetric metric);

// The metric on the whole holdout, by the functions of trainer/metrics.h (Auc, LogLoss with its
// default clipping, Accuracy and F1 at threshold 0.5). nullopt when those say so: sizes differ,
// no rows, AUC with a class absent or a NaN score, F1 with no positive label and no positive
// prediction.
std::optional<double> ComputeMetric(GateMetric metric, std::span<const float> probabilities,
                                    std::span<const float> labels);

// The metric on a resample given by multiplicities: row i counts `multiplicities[i]` times (the
// number of times a bootstrap drew it). Equal to ComputeMetric on the materialized resample (each
// row repeated that many times): exactly for kAuc, kAccuracy and kF1, to rounding for kLogLoss
// (the sum is taken in another order). nullopt as for ComputeMetric, and when the multiplicities
// differ in size from the labels or are all zero. For kAuc it sorts the rows on every call
// (O(n log n)), the others take O(n); ComparePaired sorts once for all its resamples.
std::optional<double> ComputeWeightedMetric(GateMetric metric, std::span<const float> probabilities,
                                            std::span<const float> labels,
                                            std::span<const uint32_t> multiplicities);

// The row indices, each in [0, n), of bootstrap resample `resample` (0-based) of a holdout of n
// rows, in draw order; the same ones ComparePaired uses. The rule, reproducible anywhere:
//   stream seed s = SplitMix64 output number resample + 1 of a SplitMix64 started at `seed`:
//     z = seed + 0x9E3779B97F4A7C15 * (resample + 1)            (mod 2^64)
//     z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
//     s = z ^ (z >> 31)
//   engine = std::mt19937_64(s) (its seeding and output are fixed by the C++ standard)
//   each of the n indices = (engine() * n) >> 64, the product taken in 128 bits.
// Returns an empty vector when n <= 0, n > 2^32 - 1 or resample < 0.
std::vector<uint32_t> BootstrapIndices(uint64_t seed, int64_t n, int resample);

struct GateOptions {
  GateMetric metric = GateMetric::kAuc;
  double min_delta = 0;       // promotion.minDelta: the least improvement that promotes
  double confidence = 0.95;   // promotion.confidence: two-sided level of the interval, in (0, 1)
  int resamples = 1000;       // bootstrap resamples drawn
  uint64_t seed = 1;          // seed of BootstrapIndices
  int64_t min_holdout = 500;  // evaluation.minHoldout: smaller holdouts never promote
};

// Champion and challenger on the same holdout. `delta` and the interval are oriented so that
// positive always means "challenger better": challenger - champion for higher-is-better metrics,
// champion - challenger for kLogLoss.
struct PairedComparison {
  double champion = 0;    // the metric on the whole holdout
  double challenger = 0;  // the metric on the whole holdout
  double delta = 0;       // oriented difference of the two above
  double ci_low = 0;      // percentile interval of the oriented bootstrap differences
  double ci_high = 0;
  int resamples_used = 0;  // resamples where both metrics were defined
};

// Paired bootstrap of the oriented difference. Resample r = 0 .. resamples-1 draws the rows
// BootstrapIndices(seed, n, r), evaluates both models on those same rows (as
// ComputeWeightedMetric) and records the oriented difference; a resample where either metric is
// undefined (AUC with a class absent, F1 with neither positive labels nor predictions) is
// skipped. With the m recorded differences sorted ascending as d[0..m-1], the bounds are the
// quantiles q_low = (1 - confidence) / 2 and q_high = 1 - (1 - confidence) / 2 by linear
// interpolation between closest ranks (numpy.quantile's default 'linear' method): h = q * (m - 1),
// i = floor(h), t = h - i, value = d[i] + t * (d[i+1] - d[i]) (as numpy, d[i+1] - (d[i+1] - d[i])
// * (1 - t) when t >= 0.5; d[i] alone when i = m - 1).
// Cost: O(n log n) once, then O(n) per resample; no allocation per resample.
// Errors:
//   kInvalidArgument    confidence not in (0, 1), resamples < 1
//   kFailedPrecondition sizes differ, no rows, more than 2^32 - 1 rows, a NaN probability, the
//                       metric undefined on the whole holdout for either model, or more than a
//                       tenth of the resamples skipped
[[nodiscard]] Result<PairedComparison> ComparePaired(const GateOptions& options,
                                                     std::span<const float> champion_probs,
                                                     std::span<const float> challenger_probs,
                                                     std::span<const float> labels);

struct GateVerdict {
  bool promote = false;
  std::string reason;                          // one sentence, for the job's final event
  std::optional<PairedComparison> comparison;  // the one decided on, when there was one
};

// The promotion rule, in this order:
//   !has_champion                      -> promote (the first version becomes champion)
//   holdout_size < options.min_holdout -> keep the champion: too little evidence (both numbers)
//   no comparison                      -> keep the champion
//   otherwise promote iff delta >= min_delta and ci_low > 0.
// The reason is one sentence naming the metric, the champion's and the challenger's values, the
// delta and the interval (4 decimals), and why, e.g. "Kept the champion: auc champion 0.9120,
// challenger 0.9150 (delta +0.0030, 95% CI [-0.0040, +0.0100]) — the interval includes 0."
GateVerdict DecidePromotion(const GateOptions& options, std::optional<PairedComparison> comparison,
                            int64_t holdout_size, bool has_champion);

}  // namespace retrain
