// Writes tests/e2e/sdk_gate_cases.json: inputs of the champion gate and what the reference
// worker's gate (src/trainer/gate_stats.cc) answers for them, so that the Python SDK's gate can
// be checked against it. Regenerate after changing the gate:
//   g++ -std=c++23 -O2 -Isrc tests/e2e/sdk_gate_cases.cc src/trainer/gate_stats.cc \
//       src/trainer/metrics.cc src/core/error.cc -o /tmp/gate_cases && /tmp/gate_cases > tests/e2e/sdk_gate_cases.json

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "trainer/gate_stats.h"

using namespace retrain;

namespace {

struct Holdout {
  std::vector<float> labels, good, fair, noise, near;
};

Holdout MakeHoldout(int n, uint64_t seed, double positive_share) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  auto score = [](double v) {
    return static_cast<float>(std::round(std::clamp(v, 0.001, 0.999) * 1000) / 1000);
  };
  Holdout h;
  for (int i = 0; i < n; ++i) {
    const bool positive = uniform() < positive_share;
    const double sign = positive ? 1 : -1;
    h.labels.push_back(positive ? 1.0f : 0.0f);
    h.good.push_back(score(0.5 + 0.25 * sign + (uniform() - 0.5) * 0.6));
    const double fair = 0.5 + 0.1 * sign + (uniform() - 0.5) * 0.8;
    h.fair.push_back(score(fair));
    // Close to `fair`: intervals of the two straddle 0.
    h.near.push_back(score(fair + 0.01 * sign + (uniform() - 0.5) * 0.2));
    // Unrounded: ties are rare here, unlike the others.
    h.noise.push_back(static_cast<float>(uniform()));
  }
  return h;
}

std::string Floats(const std::vector<float>& v) {
  std::string s = "[";
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.9g", i ? "," : "", v[i]);
    s += buf;
  }
  return s + "]";
}

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Indices(uint64_t seed, int64_t n, int resample) {
  auto rows = BootstrapIndices(seed, n, resample);
  std::string s = "[";
  for (size_t i = 0; i < rows.size() && i < 20; ++i) s += (i ? "," : "") + std::to_string(rows[i]);
  return s + "]";
}

}  // namespace

int main() {
  struct Case {
    const char* name;
    int n;
    uint64_t data_seed;
    double share;
    const char* champion;
    const char* challenger;
    GateOptions options;
    int64_t holdout_size;  // for DecidePromotion; -1 = n
  };
  auto opts = [](GateMetric m, double min_delta, double confidence, int resamples, uint64_t seed,
                 int64_t min_holdout) {
    GateOptions o;
    o.metric = m;
    o.min_delta = min_delta;
    o.confidence = confidence;
    o.resamples = resamples;
    o.seed = seed;
    o.min_holdout = min_holdout;
    return o;
  };
  const std::vector<Case> cases = {
      {"auc-better", 800, 11, 0.5, "fair", "good", opts(GateMetric::kAuc, 0, 0.95, 1000, 1, 500), -1},
      {"auc-worse", 800, 12, 0.5, "good", "fair", opts(GateMetric::kAuc, 0, 0.95, 1000, 1, 500), -1},
      {"auc-close", 600, 13, 0.5, "good", "good", opts(GateMetric::kAuc, 0, 0.9, 1000, 7, 500), -1},
      {"auc-noise-ties", 700, 14, 0.4, "noise", "fair", opts(GateMetric::kAuc, 0.01, 0.95, 2000, 2024, 500), -1},
      {"auc-min-delta", 900, 15, 0.5, "fair", "good", opts(GateMetric::kAuc, 0.5, 0.95, 1000, 1, 500), -1},
      {"auc-small-holdout", 300, 16, 0.5, "noise", "good", opts(GateMetric::kAuc, 0, 0.95, 1000, 1, 500), -1},
      {"auc-big-seed", 1000, 17, 0.5, "fair", "good", opts(GateMetric::kAuc, 0, 0.95, 1000, 18446744073709551557ull, 500), -1},
      {"logloss-better", 800, 21, 0.5, "fair", "good", opts(GateMetric::kLogLoss, 0, 0.95, 1000, 3, 500), -1},
      {"logloss-worse", 800, 22, 0.5, "good", "noise", opts(GateMetric::kLogLoss, 0, 0.95, 1000, 3, 500), -1},
      {"accuracy", 750, 31, 0.5, "fair", "good", opts(GateMetric::kAccuracy, 0.02, 0.99, 1000, 5, 500), -1},
      {"accuracy-tie", 750, 32, 0.5, "fair", "fair", opts(GateMetric::kAccuracy, 0, 0.95, 1000, 5, 500), -1},
      {"f1", 650, 41, 0.3, "noise", "fair", opts(GateMetric::kF1, 0, 0.95, 1500, 9, 500), -1},
      {"f1-rare", 500, 42, 0.05, "fair", "good", opts(GateMetric::kF1, 0, 0.95, 1000, 9, 100), -1},
      {"auc-near", 800, 61, 0.5, "fair", "near", opts(GateMetric::kAuc, 0, 0.95, 1000, 1, 500), -1},
      {"auc-near-90", 1200, 62, 0.5, "near", "fair", opts(GateMetric::kAuc, 0, 0.9, 1000, 42, 500), -1},
      {"logloss-near", 800, 63, 0.5, "fair", "near", opts(GateMetric::kLogLoss, 0, 0.95, 1000, 5, 500), -1},
      {"accuracy-near", 800, 64, 0.5, "fair", "near", opts(GateMetric::kAccuracy, 0, 0.95, 1000, 6, 500), -1},
      {"f1-near", 800, 65, 0.4, "near", "fair", opts(GateMetric::kF1, 0, 0.8, 1000, 8, 500), -1},
      {"auc-unbalanced", 60, 51, 0.03, "fair", "good", opts(GateMetric::kAuc, 0, 0.95, 1000, 1, 10), -1},
  };
  std::printf("{\"generator\": \"tests/e2e/sdk_gate_cases.cc\", \"cases\": [\n");
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    const Holdout h = MakeHoldout(c.n, c.data_seed, c.share);
    auto pick = [&](const std::string& which) -> const std::vector<float>& {
      return which == "good" ? h.good : which == "fair" ? h.fair : which == "near" ? h.near : h.noise;
    };
    const auto& a = pick(c.champion);
    const auto& b = pick(c.challenger);
    const auto cmp = ComparePaired(c.options, a, b, h.labels);
    const int64_t holdout = c.holdout_size < 0 ? c.n : c.holdout_size;
    std::optional<PairedComparison> comparison;
    if (cmp) comparison = *cmp;
    const GateVerdict v = DecidePromotion(c.options, comparison, holdout, true);
    const auto champion_metric = ComputeMetric(c.options.metric, a, h.labels);
    std::printf("{\"name\": %s,\n \"gate\": {\"metric\": \"%s\", \"min_delta\": %s, \"confidence\": %s, "
                "\"resamples\": %d, \"seed\": %llu, \"min_holdout\": %lld},\n",
                Quote(c.name).c_str(), std::string(GateMetricName(c.options.metric)).c_str(),
                Num(c.options.min_delta).c_str(), Num(c.options.confidence).c_str(),
                c.options.resamples, static_cast<unsigned long long>(c.options.seed),
                static_cast<long long>(c.options.min_holdout));
    std::printf(" \"labels\": %s,\n \"champion\": %s,\n \"challenger\": %s,\n",
                Floats(h.labels).c_str(), Floats(a).c_str(), Floats(b).c_str());
    std::printf(" \"indices\": {\"0\": %s, \"1\": %s, \"999\": %s},\n",
                Indices(c.options.seed, c.n, 0).c_str(), Indices(c.options.seed, c.n, 1).c_str(),
                Indices(c.options.seed, c.n, 999).c_str());
    std::printf(" \"champion_metric\": %s,\n", champion_metric ? Num(*champion_metric).c_str() : "null");
    if (cmp) {
      std::printf(" \"comparison\": {\"champion\": %s, \"challenger\": %s, \"delta\": %s, \"ci_low\": %s, "
                  "\"ci_high\": %s, \"resamples_used\": %d},\n",
                  Num(cmp->champion).c_str(), Num(cmp->challenger).c_str(), Num(cmp->delta).c_str(),
                  Num(cmp->ci_low).c_str(), Num(cmp->ci_high).c_str(), cmp->resamples_used);
    } else {
      std::printf(" \"comparison\": null, \"comparison_error\": %s,\n", Quote(cmp.error().message).c_str());
    }
    std::printf(" \"holdout_size\": %lld, \"promote\": %s, \"reason\": %s}%s\n",
                static_cast<long long>(holdout), v.promote ? "true" : "false", Quote(v.reason).c_str(),
                k + 1 < cases.size() ? "," : "");
  }
  std::printf("]}\n");
  return 0;
}
