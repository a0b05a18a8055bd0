#include "trainer/gate_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../temp_dir.h"
#include "trainer/metrics.h"

namespace retrain {
namespace {

// A seeded holdout: labels about half positive; `good` separates them well, `fair` less so,
// `noise` not at all. Scores are rounded to 3 decimals so that ties occur.
struct Holdout {
  std::vector<float> labels;
  std::vector<float> good;
  std::vector<float> fair;
  std::vector<float> noise;
};

Holdout MakeHoldout(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  auto score = [](double v) {
    return static_cast<float>(std::round(std::clamp(v, 0.001, 0.999) * 1000) / 1000);
  };
  Holdout h;
  for (int i = 0; i < n; ++i) {
    const bool positive = uniform() < 0.5;
    const double sign = positive ? 1 : -1;
    h.labels.push_back(positive ? 1.0f : 0.0f);
    h.good.push_back(score(0.5 + 0.25 * sign + (uniform() - 0.5) * 0.6));
    h.fair.push_back(score(0.5 + 0.1 * sign + (uniform() - 0.5) * 0.8));
    h.noise.push_back(score(uniform()));
  }
  return h;
}

std::vector<uint32_t> Multiplicities(const std::vector<uint32_t>& indices, size_t n) {
  std::vector<uint32_t> counts(n, 0);
  for (uint32_t i : indices) ++counts[i];
  return counts;
}

std::vector<float> Pick(const std::vector<float>& values, const std::vector<uint32_t>& indices) {
  std::vector<float> out;
  for (uint32_t i : indices) out.push_back(values[i]);
  return out;
}

TEST(GateMetricTest, ParsesAndFormatsEveryName) {
  for (const char* name : {"auc", "logloss", "accuracy", "f1"}) {
    auto m = ParseGateMetric(name);
    ASSERT_TRUE(m.has_value()) << name;
    EXPECT_EQ(GateMetricName(*m), name);
  }
  EXPECT_EQ(*ParseGateMetric("logloss"), GateMetric::kLogLoss);
  auto bad = ParseGateMetric("AUC");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseGateMetric("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HigherIsBetter(GateMetric::kAuc));
  EXPECT_TRUE(HigherIsBetter(GateMetric::kAccuracy));
  EXPECT_TRUE(HigherIsBetter(GateMetric::kF1));
  EXPECT_FALSE(HigherIsBetter(GateMetric::kLogLoss));
}

TEST(GateStatsTest, ComputeMetricUsesTheMetricsFunctions) {
  const Holdout h = MakeHoldout(300, 5);
  EXPECT_EQ(ComputeMetric(GateMetric::kAuc, h.good, h.labels), Auc(h.good, h.labels));
  EXPECT_EQ(ComputeMetric(GateMetric::kLogLoss, h.good, h.labels), LogLoss(h.good, h.labels));
  EXPECT_EQ(ComputeMetric(GateMetric::kAccuracy, h.good, h.labels), Accuracy(h.good, h.labels));
  EXPECT_EQ(ComputeMetric(GateMetric::kF1, h.good, h.labels), F1(h.good, h.labels));
}

// Values from an independent (Python) implementation of the rule documented in gate_stats.h.
TEST(BootstrapIndicesTest, FollowsTheDocumentedRule) {
  auto first = [](uint64_t seed, int64_t n, int r) {
    auto v = BootstrapIndices(seed, n, r);
    return std::vector<uint32_t>(v.begin(), v.begin() + 6);
  };
  EXPECT_EQ(first(1, 1000, 0), (std::vector<uint32_t>{532, 892, 890, 555, 110, 230}));
  EXPECT_EQ(first(1, 1000, 7), (std::vector<uint32_t>{855, 678, 640, 496, 493, 10}));
  EXPECT_EQ(first(42, 100000, 3), (std::vector<uint32_t>{969, 48217, 86688, 66725, 61587, 58141}));
}

TEST(BootstrapIndicesTest, DeterministicInRangeAndEmptyForBadArguments) {
  const auto a = BootstrapIndices(9, 50, 2);
  ASSERT_EQ(a.size(), 50u);
  EXPECT_EQ(a, BootstrapIndices(9, 50, 2));
  EXPECT_NE(a, BootstrapIndices(9, 50, 3));
  EXPECT_NE(a, BootstrapIndices(10, 50, 2));
  EXPECT_TRUE(std::all_of(a.begin(), a.end(), [](uint32_t i) { return i < 50; }));
  EXPECT_TRUE(BootstrapIndices(9, 0, 0).empty());
  EXPECT_TRUE(BootstrapIndices(9, -1, 0).empty());
  EXPECT_TRUE(BootstrapIndices(9, 10, -1).empty());
}

TEST(WeightedMetricTest, EqualsThePlainMetricOnTheMaterializedResample) {
  const Holdout h = MakeHoldout(800, 11);
  for (int r = 0; r < 5; ++r) {
    const auto indices = BootstrapIndices(3, 800, r);
    const auto counts = Multiplicities(indices, 800);
    const auto labels = Pick(h.labels, indices);
    for (const auto* scores : {&h.good, &h.fair, &h.noise}) {
      const auto resampled = Pick(*scores, indices);
      const auto weighted_auc = ComputeWeightedMetric(GateMetric::kAuc, *scores, h.labels, counts);
      ASSERT_TRUE(weighted_auc.has_value());
      EXPECT_EQ(*weighted_auc, *Auc(resampled, labels)) << "resample " << r;
      EXPECT_EQ(*ComputeWeightedMetric(GateMetric::kAccuracy, *scores, h.labels, counts),
                *Accuracy(resampled, labels));
      EXPECT_EQ(*ComputeWeightedMetric(GateMetric::kF1, *scores, h.labels, counts),
                *F1(resampled, labels));
      EXPECT_NEAR(*ComputeWeightedMetric(GateMetric::kLogLoss, *scores, h.labels, counts),
                  *LogLoss(resampled, labels), 1e-12);
    }
  }
}

TEST(WeightedMetricTest, TiesAcrossCopiesCountHalf) {
  // Row 0 (positive, 0.5) twice, row 1 (negative, 0.5) once, row 2 (negative, 0.2) three times:
  // each positive copy ties one negative (0.5) and beats three: (2 * 3.5) / (2 * 4) = 0.875.
  const std::vector<float> scores = {0.5f, 0.5f, 0.2f};
  const std::vector<float> labels = {1, 0, 0};
  EXPECT_DOUBLE_EQ(
      *ComputeWeightedMetric(GateMetric::kAuc, scores, labels, std::vector<uint32_t>{2, 1, 3}),
      0.875);
}

TEST(WeightedMetricTest, UndefinedCases) {
  const std::vector<float> scores = {0.9f, 0.1f, 0.4f};
  const std::vector<float> labels = {1, 0, 0};
  // The only positive is not drawn.
  EXPECT_FALSE(
      ComputeWeightedMetric(GateMetric::kAuc, scores, labels, std::vector<uint32_t>{0, 2, 1}));
  EXPECT_FALSE(
      ComputeWeightedMetric(GateMetric::kLogLoss, scores, labels, std::vector<uint32_t>{0, 0, 0}));
  EXPECT_FALSE(
      ComputeWeightedMetric(GateMetric::kAccuracy, scores, labels, std::vector<uint32_t>{1, 1}));
  EXPECT_FALSE(ComputeWeightedMetric(GateMetric::kAuc, std::vector<float>{NAN, 0.1f, 0.4f}, labels,
                                     std::vector<uint32_t>{1, 1, 1}));
}

TEST(ComparePairedTest, SameSeedSameIntervalOtherSeedAnother) {
  const Holdout h = MakeHoldout(600, 21);
  GateOptions options;
  options.seed = 77;
  const auto a = ComparePaired(options, h.fair, h.good, h.labels);
  const auto b = ComparePaired(options, h.fair, h.good, h.labels);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->ci_low, b->ci_low);
  EXPECT_EQ(a->ci_high, b->ci_high);
  EXPECT_EQ(a->resamples_used, 1000);
  options.seed = 78;
  const auto c = ComparePaired(options, h.fair, h.good, h.labels);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->delta, a->delta);  // the point estimate does not depend on the seed
  EXPECT_NE(c->ci_low, a->ci_low);
}

TEST(ComparePairedTest, ClearlyBetterChallengerIsPromoted) {
  const Holdout h = MakeHoldout(2000, 31);
  const GateOptions options;
  const auto c = ComparePaired(options, h.noise, h.good, h.labels);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->champion, *Auc(h.noise, h.labels));
  EXPECT_EQ(c->challenger, *Auc(h.good, h.labels));
  EXPECT_EQ(c->delta, c->challenger - c->champion);
  EXPECT_GT(c->delta, 0.3);
  EXPECT_GT(c->ci_low, 0);
  EXPECT_LT(c->ci_low, c->delta);
  EXPECT_GT(c->ci_high, c->delta);
  const GateVerdict v = DecidePromotion(options, *c, 2000, true);
  EXPECT_TRUE(v.promote);
  EXPECT_EQ(v.reason.rfind("Promoted: auc champion ", 0), 0u) << v.reason;
  EXPECT_NE(v.reason.find("the interval lies above 0"), std::string::npos) << v.reason;
  ASSERT_TRUE(v.comparison.has_value());
  EXPECT_EQ(v.comparison->ci_low, c->ci_low);
}

TEST(ComparePairedTest, IdenticalChallengerIsNotPromoted) {
  const Holdout h = MakeHoldout(1000, 41);
  const GateOptions options;
  const auto c = ComparePaired(options, h.good, h.good, h.labels);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->delta, 0);
  EXPECT_EQ(c->ci_low, 0);
  EXPECT_EQ(c->ci_high, 0);
  const GateVerdict v = DecidePromotion(options, *c, 1000, true);
  EXPECT_FALSE(v.promote);
  EXPECT_NE(v.reason.find("the interval includes 0"), std::string::npos) << v.reason;
}

TEST(ComparePairedTest, WorseChallengerIsNotPromoted) {
  const Holdout h = MakeHoldout(1000, 51);
  const GateOptions options;
  const auto c = ComparePaired(options, h.good, h.noise, h.labels);
  ASSERT_TRUE(c.has_value());
  EXPECT_LT(c->delta, 0);
  EXPECT_LT(c->ci_high, 0);
  const GateVerdict v = DecidePromotion(options, *c, 1000, true);
  EXPECT_FALSE(v.promote);
  EXPECT_NE(v.reason.find("the interval lies below 0"), std::string::npos) << v.reason;
}

TEST(ComparePairedTest, LogLossLowerIsBetter) {
  const Holdout h = MakeHoldout(1000, 61);
  GateOptions options;
  options.metric = GateMetric::kLogLoss;
  const auto better = ComparePaired(options, h.noise, h.good, h.labels);
  ASSERT_TRUE(better.has_value());
  EXPECT_LT(better->challenger, better->champion);
  EXPECT_EQ(better->delta, better->champion - better->challenger);
  EXPECT_GT(better->ci_low, 0);
  EXPECT_TRUE(DecidePromotion(options, *better, 1000, true).promote);
  const auto worse = ComparePaired(options, h.good, h.noise, h.labels);
  ASSERT_TRUE(worse.has_value());
  EXPECT_LT(worse->delta, 0);
  EXPECT_LT(worse->ci_high, 0);
  const GateVerdict v = DecidePromotion(options, *worse, 1000, true);
  EXPECT_FALSE(v.promote);
  EXPECT_NE(v.reason.find("logloss champion "), std::string::npos) << v.reason;
}

TEST(ComparePairedTest, AccuracyAndF1) {
  const Holdout h = MakeHoldout(1000, 65);
  for (GateMetric m : {GateMetric::kAccuracy, GateMetric::kF1}) {
    GateOptions options;
    options.metric = m;
    const auto c = ComparePaired(options, h.noise, h.good, h.labels);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->champion, *ComputeMetric(m, h.noise, h.labels));
    EXPECT_GT(c->ci_low, 0) << GateMetricName(m);
  }
}

TEST(ComparePairedTest, ImprovementBelowMinDeltaIsNotPromoted) {
  const Holdout h = MakeHoldout(2000, 71);
  GateOptions options;
  options.min_delta = 0.9;
  const auto c = ComparePaired(options, h.noise, h.good, h.labels);
  ASSERT_TRUE(c.has_value());
  ASSERT_GT(c->ci_low, 0);
  const GateVerdict v = DecidePromotion(options, *c, 2000, true);
  EXPECT_FALSE(v.promote);
  EXPECT_NE(v.reason.find("below promotion.minDelta (0.9000)"), std::string::npos) << v.reason;
}

TEST(ComparePairedTest, SkipsResamplesWithoutBothClasses) {
  // 3 positives in 60 rows: about 5% of resamples draw none of them.
  std::vector<float> labels(60, 0.0f);
  labels[4] = labels[30] = labels[55] = 1.0f;
  const Holdout h = MakeHoldout(60, 81);
  const auto c = ComparePaired(GateOptions{}, h.noise, h.good, labels);
  ASSERT_TRUE(c.has_value());
  EXPECT_LT(c->resamples_used, 1000);
  EXPECT_GE(c->resamples_used, 900);
}

TEST(ComparePairedTest, Errors) {
  const Holdout h = MakeHoldout(100, 91);
  const GateOptions options;
  const std::vector<float> shorter(h.good.begin(), h.good.end() - 1);
  EXPECT_EQ(ComparePaired(options, shorter, h.good, h.labels).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ComparePaired(options, h.good, shorter, h.labels).error().code,
            ErrorCode::kFailedPrecondition);
  const std::vector<float> none;
  EXPECT_EQ(ComparePaired(options, none, none, none).error().code, ErrorCode::kFailedPrecondition);
  std::vector<float> with_nan = h.good;
  with_nan[3] = NAN;
  EXPECT_EQ(ComparePaired(options, h.noise, with_nan, h.labels).error().code,
            ErrorCode::kFailedPrecondition);
  const std::vector<float> one_class(100, 1.0f);
  EXPECT_EQ(ComparePaired(options, h.noise, h.good, one_class).error().code,
            ErrorCode::kFailedPrecondition);
  // One positive in 20 rows: about a third of the resamples lack it.
  std::vector<float> rare(20, 0.0f);
  rare[7] = 1.0f;
  const std::vector<float> a(h.good.begin(), h.good.begin() + 20);
  const std::vector<float> b(h.noise.begin(), h.noise.begin() + 20);
  EXPECT_EQ(ComparePaired(options, a, b, rare).error().code, ErrorCode::kFailedPrecondition);

  GateOptions bad = options;
  bad.confidence = 1;
  EXPECT_EQ(ComparePaired(bad, h.noise, h.good, h.labels).error().code,
            ErrorCode::kInvalidArgument);
  bad.confidence = 0;
  EXPECT_EQ(ComparePaired(bad, h.noise, h.good, h.labels).error().code,
            ErrorCode::kInvalidArgument);
  bad = options;
  bad.resamples = 0;
  EXPECT_EQ(ComparePaired(bad, h.noise, h.good, h.labels).error().code,
            ErrorCode::kInvalidArgument);
}

PairedComparison Example() { return {0.912, 0.915, 0.003, -0.004, 0.010, 1000}; }

TEST(DecidePromotionTest, ReasonIsOneSentenceWithTheNumbers) {
  const GateVerdict v = DecidePromotion(GateOptions{}, Example(), 800, true);
  EXPECT_FALSE(v.promote);
  EXPECT_EQ(v.reason,
            "Kept the champion: auc champion 0.9120, challenger 0.9150 (delta +0.0030, 95% CI "
            "[-0.0040, +0.0100]) \u2014 the interval includes 0.");
  GateOptions options;
  options.confidence = 0.9;
  options.min_delta = 0.005;
  PairedComparison c = Example();
  c.ci_low = 0.001;
  EXPECT_EQ(DecidePromotion(options, c, 800, true).reason,
            "Kept the champion: auc champion 0.9120, challenger 0.9150 (delta +0.0030, 90% CI "
            "[+0.0010, +0.0100]) \u2014 the delta is below promotion.minDelta (0.0050).");
  options.min_delta = 0.003;
  const GateVerdict promoted = DecidePromotion(options, c, 800, true);
  EXPECT_TRUE(promoted.promote);
  EXPECT_EQ(promoted.reason,
            "Promoted: auc champion 0.9120, challenger 0.9150 (delta +0.0030, 90% CI [+0.0010, "
            "+0.0100]) \u2014 the delta reaches promotion.minDelta (0.0030) and the interval "
            "lies above 0.");
}

TEST(DecidePromotionTest, SmallHoldoutNeverPromotes) {
  PairedComparison c = Example();
  c.ci_low = 0.002;
  const GateOptions options;
  EXPECT_TRUE(DecidePromotion(options, c, 500, true).promote);
  const GateVerdict v = DecidePromotion(options, c, 499, true);
  EXPECT_FALSE(v.promote);
  EXPECT_EQ(v.reason,
            "Kept the champion: the holdout has 499 rows, fewer than evaluation.minHoldout (500), "
            "too little evidence to promote on (auc champion 0.9120, challenger 0.9150).");
  const GateVerdict without = DecidePromotion(options, std::nullopt, 12, true);
  EXPECT_FALSE(without.promote);
  EXPECT_NE(without.reason.find("has 12 rows"), std::string::npos) << without.reason;
}

TEST(DecidePromotionTest, NoChampionPromotesAndNoComparisonKeeps) {
  const GateOptions options;
  const GateVerdict first = DecidePromotion(options, std::nullopt, 3, false);
  EXPECT_TRUE(first.promote);
  EXPECT_NE(first.reason.find("first version"), std::string::npos) << first.reason;
  EXPECT_FALSE(first.comparison.has_value());
  EXPECT_FALSE(DecidePromotion(options, std::nullopt, 1000, true).promote);
}

// The numpy reference (gate_stats_reference.py, beside this file) recomputes the metrics and the
// interval from the same resample indices with its own formulas.
std::string PythonWithNumpy() {
  std::vector<std::string> candidates;
  if (const char* venv = std::getenv("RETRAIN_VENV"); venv && *venv) {
    candidates.push_back(std::string(venv) + "/bin/python");
  }
  candidates.push_back("python3");
  for (const auto& python : candidates) {
    const std::string probe = "'" + python + "' -c 'import numpy' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return python;
  }
  return "";
}

// gate_stats_reference.py. __FILE__ may be relative to the build directory (ccache's
// CCACHE_BASEDIR rewrites it so), which is the nearest ancestor of this executable holding
// CMakeCache.txt; an absolute __FILE__ is kept as it is.
std::filesystem::path ReferenceScript() {
  std::error_code ec;
  std::filesystem::path build = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  while (!build.empty() && !std::filesystem::exists(build / "CMakeCache.txt")) {
    if (build == build.parent_path()) {
      build.clear();
      break;
    }
    build = build.parent_path();
  }
  if (build.empty()) build = std::filesystem::current_path();
  return (build / std::filesystem::path(__FILE__)).parent_path() / "gate_stats_reference.py";
}

std::string Bytes(const void* data, size_t size) {
  return std::string(static_cast<const char*>(data), size);
}

TEST(GateStatsReferenceTest, NumpyRecomputesTheSameInterval) {
  const std::string python = PythonWithNumpy();
  if (python.empty()) {
    GTEST_SKIP() << "numpy is not installed for $RETRAIN_VENV/bin/python or python3 "
                    "(python3 -c 'import numpy' fails), so the numpy cross-check did not run.";
  }
  const std::filesystem::path script = ReferenceScript();
  ASSERT_TRUE(std::filesystem::exists(script)) << script;
  const int n = 1500;
  const Holdout h = MakeHoldout(n, 101);
  for (GateMetric metric :
       {GateMetric::kAuc, GateMetric::kLogLoss, GateMetric::kAccuracy, GateMetric::kF1}) {
    GateOptions options;
    options.metric = metric;
    options.seed = 2024;
    options.confidence = 0.9;
    const auto c = ComparePaired(options, h.fair, h.good, h.labels);
    ASSERT_TRUE(c.has_value());

    testing::TempDir dir;
    std::string indices;
    for (int r = 0; r < options.resamples; ++r) {
      const auto rows = BootstrapIndices(options.seed, n, r);
      indices += Bytes(rows.data(), rows.size() * sizeof(uint32_t));
    }
    dir.Write("indices.u32", indices);
    dir.Write("champion.f32", Bytes(h.fair.data(), n * sizeof(float)));
    dir.Write("challenger.f32", Bytes(h.good.data(), n * sizeof(float)));
    dir.Write("labels.f32", Bytes(h.labels.data(), n * sizeof(float)));
    dir.Write("meta.txt", std::string(GateMetricName(metric)) + " 0.9 " + std::to_string(n) + " " +
                              std::to_string(options.resamples) + "\n");

    const std::string command =
        "'" + python + "' '" + script.string() + "' '" + dir.path() + "' 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buf[512];
    while (size_t got = fread(buf, 1, sizeof buf, pipe)) output.append(buf, got);
    ASSERT_EQ(pclose(pipe), 0) << output;

    std::istringstream in(output);
    double champion = 0, challenger = 0, delta = 0, low = 0, high = 0;
    int used = 0;
    ASSERT_TRUE(in >> champion >> challenger >> delta >> low >> high >> used) << output;
    const std::string name(GateMetricName(metric));
    EXPECT_NEAR(c->champion, champion, 1e-9) << name;
    EXPECT_NEAR(c->challenger, challenger, 1e-9) << name;
    EXPECT_NEAR(c->delta, delta, 1e-9) << name;
    EXPECT_NEAR(c->ci_low, low, 1e-9) << name;
    EXPECT_NEAR(c->ci_high, high, 1e-9) << name;
    EXPECT_EQ(c->resamples_used, used) << name;
    EXPECT_LT(c->ci_low, c->ci_high) << name;
  }
}

}  // namespace
}  // namespace retrain
