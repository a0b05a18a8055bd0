#include "trainer/dataset.h"

#include <gtest/gtest.h>

#include <cmath>

#include "trainer/synthetic.h"
#include "trainer_fakes.h"

namespace retrain {
namespace {

TEST(DatasetTest, UnionOfNumericFieldsSortedWithMissingAsNaN) {
  DatasetBuilder b;
  b.AddPayload(R"({"zeta": 1, "alpha": 2.5, "name": "x", "flag": true, "label": 1})", false);
  b.AddPayload(R"({"beta": -3, "alpha": 4, "nested": {"a": 1}, "label": 0})", false);
  b.AddPayload(R"({"alpha": 7, "label": true})", true);
  const Dataset d = b.Finish();
  ASSERT_EQ(d.feature_names, (std::vector<std::string>{"alpha", "beta", "zeta"}));
  ASSERT_EQ(d.train.rows, 2u);
  ASSERT_EQ(d.train.cols, 3u);
  EXPECT_FLOAT_EQ(d.train.values[0], 2.5f);
  EXPECT_TRUE(std::isnan(d.train.values[1]));
  EXPECT_FLOAT_EQ(d.train.values[2], 1.0f);
  EXPECT_FLOAT_EQ(d.train.values[3], 4.0f);
  EXPECT_FLOAT_EQ(d.train.values[4], -3.0f);
  EXPECT_TRUE(std::isnan(d.train.values[5]));
  EXPECT_EQ(d.train.labels, (std::vector<float>{1, 0}));
  ASSERT_EQ(d.holdout.rows, 1u);
  EXPECT_FLOAT_EQ(d.holdout.values[0], 7.0f);
  EXPECT_TRUE(std::isnan(d.holdout.values[1]));
  EXPECT_EQ(d.holdout.labels, (std::vector<float>{1}));
  EXPECT_EQ(d.stats.records_read, 3);
  EXPECT_EQ(d.stats.Used(), 3);
  EXPECT_EQ(d.stats.positives, 2);
}

TEST(DatasetTest, RecordsWithoutAValidLabelAreCountedAndSkipped) {
  DatasetBuilder b;
  b.AddPayload(R"({"a": 1, "label": 1})", false);
  b.AddPayload(R"({"a": 1})", false);
  b.AddPayload(R"({"a": 1, "label": 2})", false);
  b.AddPayload(R"({"a": 1, "label": "1"})", false);
  b.AddPayload(R"({"a": 1, "label": null})", false);
  b.AddPayload(R"({"a": 1, "label": 0.0})", false);
  b.AddPayload(R"([1, 2])", false);
  b.AddPayload(R"(not json)", false);
  const Dataset d = b.Finish();
  EXPECT_EQ(d.stats.records_read, 8);
  EXPECT_EQ(d.stats.skipped_no_label, 4);
  EXPECT_EQ(d.stats.skipped_bad_payload, 2);
  EXPECT_EQ(d.stats.Skipped(), 6);
  EXPECT_EQ(d.train.rows, 2u);
  EXPECT_EQ(d.train.labels, (std::vector<float>{1, 0}));
}

TEST(DatasetTest, HoldoutSplitIsStableAndNearTheFraction) {
  int held = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string cursor = testing::CursorOf(i);
    const bool h = InHoldout(cursor, 0.2);
    EXPECT_EQ(h, InHoldout(cursor, 0.2));
    held += h;
  }
  EXPECT_GT(held, 1800);
  EXPECT_LT(held, 2200);
  EXPECT_FALSE(InHoldout("x", 0.0));
  EXPECT_TRUE(InHoldout("x", 1.0));
  // A larger fraction holds out a superset.
  for (int i = 0; i < 1000; ++i) {
    const std::string cursor = testing::CursorOf(i);
    if (InHoldout(cursor, 0.1)) {
      EXPECT_TRUE(InHoldout(cursor, 0.3));
    }
  }
}

TEST(DatasetTest, MaxRowsKeepsTheNewestUsableRowsAndTheirLandingTimes) {
  DatasetOptions o;
  o.holdout_fraction = 0.25;
  o.max_rows = 4;
  DatasetBuilder b(o);
  for (int i = 1; i <= 10; ++i) {
    // Every third record has no label: skipped, and never the first or last kept.
    const std::string label = i % 3 == 0 ? "" : R"(, "label": )" + std::to_string(i % 2);
    b.Add(FeedRecord{"c" + std::to_string(i), "ingest", "indicator", 1000 + i,
                     R"({"x": )" + std::to_string(i) + label + "}"});
  }
  const Dataset d = b.Finish();
  // Usable: 1 2 4 5 7 8 10; the newest four are 5 7 8 10, the newest one the holdout.
  EXPECT_EQ(d.stats.records_read, 10);
  EXPECT_EQ(d.stats.skipped_no_label, 3);
  EXPECT_EQ(d.stats.dropped_by_limit, 3);
  EXPECT_EQ(d.stats.Used(), 4);
  EXPECT_EQ(d.stats.train_rows, 3);
  EXPECT_EQ(d.stats.holdout_rows, 1);
  EXPECT_EQ(d.stats.positives, 2);  // 5 and 7 (odd: label 1); 8 and 10 are 0
  EXPECT_EQ(d.train.values, (std::vector<float>{5, 7, 8}));
  EXPECT_EQ(d.holdout.values, (std::vector<float>{10}));
  EXPECT_EQ(d.stats.first_landed_ms, 1005);
  EXPECT_EQ(d.stats.last_landed_ms, 1010);
}

TEST(DatasetTest, BuildsFromFeedRecordsOfTheSyntheticGenerator) {
  testing::FakeFeed feed;
  SyntheticOptions o;
  o.count = 500;
  feed.AppendSynthetic(o);
  DatasetBuilder b(DatasetOptions{0.2});
  ASSERT_TRUE(feed.Scan({}, "", feed.LastCursor(),
                        [&](const FeedRecord& r) {
                          b.Add(r);
                          return true;
                        })
                  .has_value());
  const Dataset d = b.Finish();
  EXPECT_EQ(d.feature_names, SyntheticFeatureNames());
  EXPECT_EQ(d.stats.records_read, 500);
  EXPECT_EQ(d.stats.Used(), 500);
  EXPECT_EQ(d.train.rows + d.holdout.rows, 500u);
  EXPECT_GT(d.holdout.rows, 60u);
  EXPECT_LT(d.holdout.rows, 140u);
  EXPECT_EQ(d.train.values.size(), d.train.rows * d.train.cols);
  // A second build of the same window splits identically.
  DatasetBuilder again(DatasetOptions{0.2});
  (void)feed.Scan({}, "", feed.LastCursor(), [&](const FeedRecord& r) {
    again.Add(r);
    return true;
  });
  const Dataset d2 = again.Finish();
  EXPECT_EQ(d2.holdout.labels, d.holdout.labels);
  EXPECT_EQ(d2.train.rows, d.train.rows);
}

}  // namespace
}  // namespace retrain
