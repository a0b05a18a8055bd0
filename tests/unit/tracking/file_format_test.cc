#include "tracking/mlflow_file/file_format.h"

#include <gtest/gtest.h>

#include <limits>

#include "tracking/mlflow_file/meta_yaml.h"

namespace retrain::mlflow_file {
namespace {

TEST(FormatMetricValue, MatchesPythonRepr) {
  EXPECT_EQ(FormatMetricValue(0.93), "0.93");
  EXPECT_EQ(FormatMetricValue(1.0), "1.0");
  EXPECT_EQ(FormatMetricValue(-2.5), "-2.5");
  EXPECT_EQ(FormatMetricValue(100000.0), "100000.0");
  EXPECT_EQ(FormatMetricValue(1e16), "1e+16");
  EXPECT_EQ(FormatMetricValue(1.5e-5), "1.5e-05");
  EXPECT_EQ(FormatMetricValue(0.0001), "0.0001");
  EXPECT_EQ(FormatMetricValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatMetricValue(0.0), "0.0");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(MetricSteps, ReadsTwoAndThreeFieldLines) {
  EXPECT_EQ(MetricSteps("1 0.5 3\n2 0.6 4\n3 0.7\n"), (std::set<int64_t>{0, 3, 4}));
  EXPECT_TRUE(MetricSteps("").empty());
}

TEST(YamlScalar, QuotesLikePyYaml) {
  EXPECT_EQ(YamlScalar("intelgraph-retraining"), "intelgraph-retraining");
  EXPECT_EQ(YamlScalar("exp one"), "exp one");
  EXPECT_EQ(YamlScalar("file:///tmp/mlruns/1"), "file:///tmp/mlruns/1");
  EXPECT_EQ(YamlScalar("123"), "'123'");
  EXPECT_EQ(YamlScalar("1.5e3"), "'1.5e3'");
  EXPECT_EQ(YamlScalar("2026-11-26"), "'2026-11-26'");
  EXPECT_EQ(YamlScalar("607fa5e5c2802f121e39d1119f574a52"), "607fa5e5c2802f121e39d1119f574a52");
  // Hex and binary ints need their digits; run ids that merely start with 0x/0b/0o stay plain.
  EXPECT_EQ(YamlScalar("0x1f"), "'0x1f'");
  EXPECT_EQ(YamlScalar("0b101"), "'0b101'");
  EXPECT_EQ(YamlScalar("0b7dc951797b3a123a6188f8cf14101e"), "0b7dc951797b3a123a6188f8cf14101e");
  EXPECT_EQ(YamlScalar("0xzz"), "0xzz");
  EXPECT_EQ(YamlScalar("0o17"), "0o17");
  EXPECT_EQ(YamlScalar(""), "''");
  EXPECT_EQ(YamlScalar("true"), "'true'");
  EXPECT_EQ(YamlScalar("None"), "None");
  EXPECT_EQ(YamlScalar("a: b"), "'a: b'");
  EXPECT_EQ(YamlScalar("it's"), "it's");
  EXPECT_EQ(YamlScalar("#x"), "'#x'");
  EXPECT_EQ(YamlScalar("line1\nline2"), "\"line1\\nline2\"");
}

TEST(MetaDoc, RoundTripsAndKeepsUnknownFields) {
  const std::string text =
      "artifact_uri: file:///m/1/abc/artifacts\nend_time: null\nentry_point_name: ''\n"
      "experiment_id: '1'\nfuture_field: 7\nstatus: 1\ntags: []\n";
  auto doc = MetaDoc::Parse(text);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->Get("experiment_id"), "1");
  EXPECT_EQ(doc->GetInt("status"), 1);
  EXPECT_EQ(doc->Get("end_time"), std::nullopt);
  EXPECT_EQ(doc->Emit(), text);
  doc->SetInt("status", 3);
  doc->SetInt("end_time", 1700000000000);
  EXPECT_EQ(doc->Emit(),
            "artifact_uri: file:///m/1/abc/artifacts\nend_time: 1700000000000\n"
            "entry_point_name: ''\nexperiment_id: '1'\nfuture_field: 7\nstatus: 3\ntags: []\n");
}

TEST(MetaDoc, RejectsNonMapping) {
  auto doc = MetaDoc::Parse("- a\n- b\n");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::kInternal);
}

TEST(ValidateKey, FollowsMlflowRules) {
  EXPECT_TRUE(ValidateKey("f1_score", "metric"));
  EXPECT_TRUE(ValidateKey("eval/auc:holdout", "metric"));
  EXPECT_EQ(ValidateKey("../x", "metric").error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ValidateKey("/abs", "metric"));
  EXPECT_FALSE(ValidateKey("a//b", "metric"));
  EXPECT_FALSE(ValidateKey("a$b", "metric"));
  EXPECT_FALSE(ValidateKey(std::string(251, 'a'), "metric"));
}

TEST(ValidateAlias, RejectsReservedNames) {
  EXPECT_TRUE(ValidateAlias("champion"));
  EXPECT_FALSE(ValidateAlias("latest"));
  EXPECT_FALSE(ValidateAlias("v3"));
  EXPECT_FALSE(ValidateAlias("a b"));
}

TEST(TruncateUtf8, DoesNotSplitCharacters) {
  EXPECT_EQ(TruncateUtf8("h\xc3\xa9llo", 2), "h");
  EXPECT_EQ(TruncateUtf8("hello", 10), "hello");
}

TEST(Ids, HaveMlflowShapes) {
  std::string exp = NewExperimentId();
  EXPECT_EQ(exp.size(), 18u);
  EXPECT_NE(exp[0], '0');
  EXPECT_EQ(exp.find_first_not_of("0123456789"), std::string::npos);
  EXPECT_EQ(NewRunId().size(), 32u);
}

}  // namespace
}  // namespace retrain::mlflow_file
