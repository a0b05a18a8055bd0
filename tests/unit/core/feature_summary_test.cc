// Quantile histograms, their bins, the PSI and the summary's JSON form.

#include "core/feature_summary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace retrain {
namespace {

TEST(FeatureSummaryTest, DecilesOfDistinctValuesGiveTenEqualBins) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  FeatureHistogram h = SummarizeValues(v);
  EXPECT_EQ(h.edges, (std::vector<double>{10, 20, 30, 40, 50, 60, 70, 80, 90}));
  EXPECT_EQ(h.counts, (std::vector<int64_t>(10, 10)));
  EXPECT_EQ(h.missing, 0);
}

TEST(FeatureSummaryTest, BinsHoldValuesUpToAndIncludingTheirEdge) {
  FeatureHistogram h;
  h.edges = {1, 2, 3};
  EXPECT_EQ(h.Bin(-5), 0u);
  EXPECT_EQ(h.Bin(1), 0u);
  EXPECT_EQ(h.Bin(1.5), 1u);
  EXPECT_EQ(h.Bin(2), 1u);
  EXPECT_EQ(h.Bin(3), 2u);
  EXPECT_EQ(h.Bin(3.0001), 3u);
}

TEST(FeatureSummaryTest, FewDistinctValuesGetOneBinEach) {
  std::vector<double> v;
  for (int i = 0; i < 400; ++i) v.push_back(i % 4);  // 0..3, 100 each
  FeatureHistogram h = SummarizeValues(v);
  EXPECT_EQ(h.edges, (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(h.counts, (std::vector<int64_t>{100, 100, 100, 100, 0}));
}

TEST(FeatureSummaryTest, NanIsCountedAsMissing) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> v = {nan, 1, 2, nan, 3};
  FeatureHistogram h = SummarizeValues(v, 3);
  EXPECT_EQ(h.missing, 2);
  int64_t total = 0;
  for (int64_t c : h.counts) total += c;
  EXPECT_EQ(total, 3);
  std::vector<double> none = {nan, nan};
  FeatureHistogram empty = SummarizeValues(none);
  EXPECT_TRUE(empty.edges.empty());
  EXPECT_EQ(empty.counts, (std::vector<int64_t>{0}));
  EXPECT_EQ(empty.missing, 2);
}

TEST(FeatureSummaryTest, ValuesAreBinnedAtTheWorkersFloatPrecision) {
  // 0.1 is not a float: the worker stores float(0.1) as the edge, and the orchestrator, reading
  // 0.1 from a payload as a double, must still put it in the edge's bin.
  std::vector<double> v;
  for (int i = 0; i < 10; ++i) v.push_back(0.1 * (i + 1));
  FeatureHistogram h = SummarizeValues(v);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(h.Bin(0.1 * (i + 1)), static_cast<size_t>(i)) << i;
}

TEST(FeatureSummaryTest, PsiMatchesItsDefinition) {
  std::vector<int64_t> e = {50, 30, 20};
  std::vector<int64_t> a = {20, 30, 50};
  const double expected = (0.2 - 0.5) * std::log(0.2 / 0.5) + 0 + (0.5 - 0.2) * std::log(0.5 / 0.2);
  EXPECT_NEAR(PopulationStabilityIndex(e, a), expected, 1e-12);
  EXPECT_DOUBLE_EQ(PopulationStabilityIndex(e, e), 0.0);
  // Scale does not matter, only shares.
  std::vector<int64_t> e10 = {500, 300, 200};
  EXPECT_NEAR(PopulationStabilityIndex(e10, a), expected, 1e-12);
}

TEST(FeatureSummaryTest, PsiFloorsEmptyBinsAndIsZeroWithoutData) {
  std::vector<int64_t> e = {100, 0};
  std::vector<int64_t> a = {50, 50};
  const double expected =
      (0.5 - 1.0) * std::log(0.5 / 1.0) + (0.5 - kPsiFloor) * std::log(0.5 / kPsiFloor);
  EXPECT_NEAR(PopulationStabilityIndex(e, a), expected, 1e-12);
  std::vector<int64_t> zero = {0, 0};
  EXPECT_EQ(PopulationStabilityIndex(e, zero), 0.0);
  EXPECT_EQ(PopulationStabilityIndex(zero, a), 0.0);
  std::vector<int64_t> shorter = {1};
  EXPECT_EQ(PopulationStabilityIndex(e, shorter), 0.0);
}

TEST(FeatureSummaryTest, JsonRoundTrips) {
  FeatureSummary s;
  s.records = 12;
  s.features["a"] = FeatureHistogram{{0.1f, 2.5}, {3, 4, 5}, 0};
  s.features["b"] = FeatureHistogram{{}, {7}, 5};
  auto back = DecodeFeatureSummary(EncodeFeatureSummary(s));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->records, 12);
  ASSERT_EQ(back->features.size(), 2u);
  EXPECT_EQ(back->features["a"].edges, s.features["a"].edges);
  EXPECT_EQ(back->features["a"].counts, s.features["a"].counts);
  EXPECT_EQ(back->features["b"].missing, 5);
}

TEST(FeatureSummaryTest, DecodeNamesWhatIsWrong) {
  auto message = [](const std::string& text) {
    auto r = DecodeFeatureSummary(text);
    EXPECT_FALSE(r.has_value()) << text;
    return r ? std::string() : r.error().message;
  };
  EXPECT_NE(message("[1").find("not a JSON object"), std::string::npos);
  EXPECT_NE(message(R"({"version": 2, "features": {}})").find("version"), std::string::npos);
  EXPECT_NE(message(R"({"version": 1, "features": {"x": {"edges": [2, 1], "counts": [1, 1, 1]}}})")
                .find("'x' are not strictly ascending"),
            std::string::npos);
  EXPECT_NE(message(R"({"version": 1, "features": {"x": {"edges": [1], "counts": [1]}}})")
                .find("1 counts for 1 edges"),
            std::string::npos);
  EXPECT_FALSE(message(R"({"version": 1, "features": {"x": {"edges": "a"}}})").empty());
}

}  // namespace
}  // namespace retrain
