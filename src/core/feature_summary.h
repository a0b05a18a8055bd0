#pragma once
// A model's training data in brief, for drift detection: each numeric feature's distribution as
// a quantile histogram (deciles by default). The reference worker saves one with every model it
// logs (artifact model/feature_summary.json); the orchestrator bins the unseen records into the
// champion's bins and compares the two with the population stability index.
//
// Binning: a histogram with edges e[0] < e[1] < ... < e[k-1] has k + 1 bins; bin 0 holds v <=
// e[0], bin i holds e[i-1] < v <= e[i], bin k holds v > e[k-1]. Edges are values of the data
// (the j-th decile), deduplicated, so a feature with few distinct values (an integer 0..3) gets
// one bin per value. Values are compared as 32-bit floats, the precision the worker trains on,
// so a value binned by the orchestrator falls where the worker put the same value.
//
// Format (version 1):
//   {"version": 1, "records": N,
//    "features": {"<name>": {"edges": [...], "counts": [...], "missing": M}, ...}}
// `counts` has edges.size() + 1 entries; `missing` counts rows without the feature.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace retrain {

struct FeatureHistogram {
  std::vector<double> edges;    // ascending, distinct
  std::vector<int64_t> counts;  // edges.size() + 1 bins
  int64_t missing = 0;

  // The bin of `value` (rounded to float first, see above).
  size_t Bin(double value) const;
};

struct FeatureSummary {
  int64_t records = 0;  // rows summarised
  std::map<std::string, FeatureHistogram> features;
};

inline constexpr int kFeatureSummaryBins = 10;
// Where a model's summary is kept among its run's artifacts.
inline constexpr char kFeatureSummaryArtifactPath[] = "model/feature_summary.json";

// The histogram of `values` (NaN = missing) with up to `bins` quantile bins. Reorders `values`.
FeatureHistogram SummarizeValues(std::vector<double>& values, int bins = kFeatureSummaryBins);

// The population stability index of `actual` against `expected`, two count vectors over the
// same bins: sum over bins of (a - e) * ln(a / e) with a, e the bins' shares, each floored at
// kPsiFloor so that an empty bin counts as rare, not impossible. 0 when either side is empty.
inline constexpr double kPsiFloor = 1e-4;
double PopulationStabilityIndex(std::span<const int64_t> expected, std::span<const int64_t> actual);

std::string EncodeFeatureSummary(const FeatureSummary& summary);
// Errors: kInvalidArgument naming what is wrong (not JSON, another version, edges not
// ascending, counts of the wrong length).
[[nodiscard]] Result<FeatureSummary> DecodeFeatureSummary(std::string_view text);

}  // namespace retrain
