#include "core/feature_summary.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace retrain {

size_t FeatureHistogram::Bin(double value) const {
  const double v = static_cast<double>(static_cast<float>(value));
  return static_cast<size_t>(std::lower_bound(edges.begin(), edges.end(), v) - edges.begin());
}

FeatureHistogram SummarizeValues(std::vector<double>& values, int bins) {
  FeatureHistogram h;
  auto present =
      std::partition(values.begin(), values.end(), [](double v) { return !std::isnan(v); });
  h.missing = static_cast<int64_t>(values.end() - present);
  const size_t n = static_cast<size_t>(present - values.begin());
  for (auto it = values.begin(); it != present; ++it) *it = static_cast<float>(*it);
  std::sort(values.begin(), present);
  if (n > 0 && bins > 1) {
    for (int j = 1; j < bins; ++j) {
      // The j-th quantile: the smallest value with at least j/bins of the values at or below it.
      size_t rank =
          (static_cast<size_t>(j) * n + static_cast<size_t>(bins) - 1) / static_cast<size_t>(bins);
      double edge = values[std::max<size_t>(rank, 1) - 1];
      if (h.edges.empty() || edge > h.edges.back()) h.edges.push_back(edge);
    }
  }
  h.counts.assign(h.edges.size() + 1, 0);
  for (auto it = values.begin(); it != present; ++it) ++h.counts[h.Bin(*it)];
  return h;
}

double PopulationStabilityIndex(std::span<const int64_t> expected,
                                std::span<const int64_t> actual) {
  if (expected.size() != actual.size()) return 0;
  int64_t ne = 0, na = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    ne += expected[i];
    na += actual[i];
  }
  if (ne == 0 || na == 0) return 0;
  double psi = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const double e =
        std::max(static_cast<double>(expected[i]) / static_cast<double>(ne), kPsiFloor);
    const double a = std::max(static_cast<double>(actual[i]) / static_cast<double>(na), kPsiFloor);
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

std::string EncodeFeatureSummary(const FeatureSummary& summary) {
  nlohmann::json features = nlohmann::json::object();
  for (const auto& [name, h] : summary.features) {
    features[name] = {{"edges", h.edges}, {"counts", h.counts}, {"missing", h.missing}};
  }
  nlohmann::json j = {{"version", 1}, {"records", summary.records}, {"features", features}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<FeatureSummary> DecodeFeatureSummary(std::string_view text) {
  auto bad = [](const std::string& what) {
    return Fail(ErrorCode::kInvalidArgument, "the feature summary is not valid: " + what);
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("it is not a JSON object");
  if (j.value("version", 0) != 1) return bad("its version is not 1");
  FeatureSummary out;
  try {
    out.records = j.value("records", int64_t{0});
    const auto& features = j.at("features");
    if (!features.is_object()) return bad("'features' is not an object");
    for (const auto& [name, f] : features.items()) {
      FeatureHistogram h;
      h.edges = f.at("edges").get<std::vector<double>>();
      h.counts = f.at("counts").get<std::vector<int64_t>>();
      h.missing = f.value("missing", int64_t{0});
      if (!std::is_sorted(h.edges.begin(), h.edges.end()) ||
          std::adjacent_find(h.edges.begin(), h.edges.end()) != h.edges.end()) {
        return bad("the edges of feature '" + name + "' are not strictly ascending");
      }
      if (h.counts.size() != h.edges.size() + 1) {
        return bad("feature '" + name + "' has " + std::to_string(h.counts.size()) +
                   " counts for " + std::to_string(h.edges.size()) + " edges (needs one more)");
      }
      out.features.emplace(name, std::move(h));
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(e.what());
  }
  return out;
}

}  // namespace retrain
