#include "trainer/synthetic.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace retrain {
namespace {

constexpr char kPinnedSeedOne[] =
    R"({"age_hours":8.0,"confidence":65,"ioc_count":6,"label":0,"name":"indicator-000000",)"
    R"("network_degree":4,"severity":3,"sighting_count":2,"source_reputation":0.339,)"
    R"("tlp_level":1})";

SyntheticOptions Options(int64_t count, uint64_t seed, double drift = 0.0) {
  SyntheticOptions o;
  o.count = count;
  o.seed = seed;
  o.drift = drift;
  return o;
}

TEST(SyntheticTest, SameSeedGivesIdenticalRecords) {
  const auto a = GenerateRecords(Options(300, 7));
  const auto b = GenerateRecords(Options(300, 7));
  ASSERT_EQ(a.size(), 300u);
  ASSERT_EQ(b.size(), 300u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].index, static_cast<int64_t>(i));
    EXPECT_EQ(a[i].entity_type, b[i].entity_type);
    EXPECT_EQ(a[i].payload_json, b[i].payload_json);
  }
}

TEST(SyntheticTest, DifferentSeedGivesDifferentRecords) {
  const auto a = GenerateRecords(Options(100, 1));
  const auto b = GenerateRecords(Options(100, 2));
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].payload_json == b[i].payload_json;
  EXPECT_EQ(same, 0);
}

TEST(SyntheticTest, BatchesContinueOneStream) {
  auto first = Options(40, 9);
  auto second = Options(60, 9);
  second.start_index = 40;
  const auto whole = GenerateRecords(Options(100, 9));
  auto a = GenerateRecords(first);
  const auto b = GenerateRecords(second);
  a.insert(a.end(), b.begin(), b.end());
  ASSERT_EQ(a.size(), whole.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].index, whole[i].index);
    EXPECT_EQ(a[i].payload_json, whole[i].payload_json);
  }
}

TEST(SyntheticTest, PinnedOutputForSeedOne) {
  // Pins the generator's output: it depends only on SplitMix64 and the distributions written
  // in synthetic.cc, never on the standard library's distributions, so a change here means the
  // generator itself changed.
  const auto r = GenerateRecords(Options(1, 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].payload_json, kPinnedSeedOne);
}

TEST(SyntheticTest, SchemaHasEveryDocumentedField) {
  const auto records = GenerateRecords(Options(2000, 3));
  std::map<std::string, int> present;
  std::set<std::string> types;
  for (const auto& r : records) {
    types.insert(r.entity_type);
    const auto p = nlohmann::json::parse(r.payload_json);
    ASSERT_TRUE(p.is_object());
    for (const auto& [k, v] : p.items()) ++present[k];
    ASSERT_TRUE(p["name"].is_string());
    EXPECT_EQ(p["name"].get<std::string>().rfind(r.entity_type + "-", 0), 0u);
    ASSERT_TRUE(p["label"].is_number_integer());
    EXPECT_TRUE(p["label"] == 0 || p["label"] == 1);
    EXPECT_GE(p["confidence"].get<double>(), 0);
    EXPECT_LE(p["confidence"].get<double>(), 100);
    EXPECT_GE(p["severity"].get<double>(), 1);
    EXPECT_LE(p["severity"].get<double>(), 10);
    EXPECT_GE(p["source_reputation"].get<double>(), 0);
    EXPECT_LE(p["source_reputation"].get<double>(), 1);
    EXPECT_GE(p["age_hours"].get<double>(), 0);
    EXPECT_GE(p["ioc_count"].get<double>(), 1);
    EXPECT_GE(p["tlp_level"].get<double>(), 0);
    EXPECT_LE(p["tlp_level"].get<double>(), 3);
  }
  for (const auto& name : SyntheticFeatureNames()) EXPECT_GT(present[name], 0) << name;
  EXPECT_EQ(present.size(), SyntheticFeatureNames().size() + 2);  // + name, label
  // Always present features versus the two that are sometimes missing.
  EXPECT_EQ(present["confidence"], 2000);
  EXPECT_LT(present["network_degree"], 2000);
  EXPECT_GT(present["network_degree"], 1800);
  EXPECT_LT(present["sighting_count"], 2000);
  EXPECT_EQ(types, (std::set<std::string>{"indicator", "malware", "threat-actor"}));
}

TEST(SyntheticTest, LabelsAreBalancedAtEveryDrift) {
  for (double drift : {0.0, 0.5, 1.0}) {
    const auto records = GenerateRecords(Options(4000, 11, drift));
    int positives = 0;
    for (const auto& r : records) positives += nlohmann::json::parse(r.payload_json)["label"] == 1;
    const double rate = positives / 4000.0;
    EXPECT_GT(rate, 0.3) << "drift " << drift;
    EXPECT_LT(rate, 0.7) << "drift " << drift;
  }
}

TEST(SyntheticTest, DriftShiftsFeatureDistributions) {
  auto mean_confidence = [](double drift) {
    double sum = 0;
    for (const auto& r : GenerateRecords(Options(3000, 5, drift))) {
      sum += nlohmann::json::parse(r.payload_json)["confidence"].get<double>();
    }
    return sum / 3000;
  };
  EXPECT_GT(mean_confidence(0.0) - mean_confidence(1.0), 8.0);
}

TEST(SyntheticTest, EntityMixIsHonoured) {
  auto o = Options(1000, 4);
  o.entity_mix = {{"malware", 1.0}, {"campaign", 0.0}};
  for (const auto& r : GenerateRecords(o)) EXPECT_EQ(r.entity_type, "malware");
}

TEST(SyntheticTest, ValidationNamesTheBadOption) {
  EXPECT_TRUE(ValidateSyntheticOptions(Options(10, 1, 0.5)).has_value());
  auto bad_drift = ValidateSyntheticOptions(Options(10, 1, 1.5));
  ASSERT_FALSE(bad_drift.has_value());
  EXPECT_EQ(bad_drift.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_drift.error().message.find("drift"), std::string::npos);
  auto bad_count = ValidateSyntheticOptions(Options(-1, 1));
  ASSERT_FALSE(bad_count.has_value());
  EXPECT_NE(bad_count.error().message.find("count"), std::string::npos);
  auto o = Options(10, 1);
  o.entity_mix = {{"indicator", -1.0}};
  EXPECT_FALSE(ValidateSyntheticOptions(o).has_value());
  o.entity_mix = {};
  EXPECT_FALSE(ValidateSyntheticOptions(o).has_value());
  // GenerateRecords clamps instead of failing.
  EXPECT_TRUE(GenerateRecords(Options(-5, 1)).empty());
  EXPECT_EQ(GenerateRecords(o).size(), 10u);
}

TEST(SyntheticTest, LabelNoiseFlipsLabelsAndKeepsEverythingElse) {
  SyntheticOptions clean = Options(4000, 5);
  SyntheticOptions noisy = clean;
  noisy.label_noise = 0.3;
  auto a = GenerateRecords(clean);
  auto b = GenerateRecords(noisy);
  ASSERT_EQ(a.size(), b.size());
  int flipped = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    auto x = nlohmann::json::parse(a[i].payload_json);
    auto y = nlohmann::json::parse(b[i].payload_json);
    flipped += x["label"] != y["label"];
    x.erase("label");
    y.erase("label");
    EXPECT_EQ(x, y) << i;
    EXPECT_EQ(a[i].entity_type, b[i].entity_type);
  }
  EXPECT_GT(flipped, 1000);  // about 30% of 4000
  EXPECT_LT(flipped, 1400);
  EXPECT_EQ(GenerateRecords(noisy)[7].payload_json, b[7].payload_json);  // deterministic
  noisy.label_noise = 1.5;
  auto s = ValidateSyntheticOptions(noisy);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("label noise"), std::string::npos);
}

}  // namespace
}  // namespace retrain
