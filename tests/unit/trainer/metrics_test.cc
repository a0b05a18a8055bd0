#include "trainer/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace retrain {
namespace {

TEST(AucTest, PerfectAndInvertedRankings) {
  const std::vector<float> labels = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(*Auc(std::vector<float>{0.1f, 0.2f, 0.8f, 0.9f}, labels), 1.0);
  EXPECT_DOUBLE_EQ(*Auc(std::vector<float>{0.9f, 0.8f, 0.2f, 0.1f}, labels), 0.0);
}

TEST(AucTest, HandComputedWithoutTies) {
  // Positives at 0.35 and 0.8; negatives at 0.1 and 0.4. Pairs (pos > neg): 0.35>0.1,
  // 0.8>0.1, 0.8>0.4 = 3 of 4.
  EXPECT_DOUBLE_EQ(
      *Auc(std::vector<float>{0.1f, 0.4f, 0.35f, 0.8f}, std::vector<float>{0, 0, 1, 1}), 0.75);
}

TEST(AucTest, TiesCountHalf) {
  // Positive 0.5 ties negative 0.5 (0.5), beats negative 0.2 (1); positive 0.9 beats both (2).
  // (0.5 + 1 + 2) / (2 * 2) = 0.875.
  EXPECT_DOUBLE_EQ(*Auc(std::vector<float>{0.5f, 0.2f, 0.5f, 0.9f}, std::vector<float>{0, 0, 1, 1}),
                   0.875);
  // Every score equal: 0.5.
  EXPECT_DOUBLE_EQ(*Auc(std::vector<float>{0.3f, 0.3f, 0.3f}, std::vector<float>{1, 0, 1}), 0.5);
}

TEST(AucTest, UndefinedWithOneClassOrBadInput) {
  EXPECT_FALSE(Auc(std::vector<float>{0.1f, 0.2f}, std::vector<float>{1, 1}).has_value());
  EXPECT_FALSE(Auc(std::vector<float>{0.1f, 0.2f}, std::vector<float>{0, 0}).has_value());
  EXPECT_FALSE(Auc(std::vector<float>{}, std::vector<float>{}).has_value());
  EXPECT_FALSE(Auc(std::vector<float>{0.1f}, std::vector<float>{0, 1}).has_value());
  EXPECT_FALSE(Auc(std::vector<float>{NAN, 0.2f}, std::vector<float>{0, 1}).has_value());
}

TEST(LogLossTest, HandComputed) {
  // -(ln 0.8 + ln(1 - 0.4)) / 2
  const double expected = -(std::log(0.8) + std::log(0.6)) / 2.0;
  EXPECT_NEAR(*LogLoss(std::vector<float>{0.8f, 0.4f}, std::vector<float>{1, 0}), expected, 1e-7);
}

TEST(LogLossTest, ClipsCertainMistakes) {
  const double loss = *LogLoss(std::vector<float>{0.0f}, std::vector<float>{1}, 1e-15);
  EXPECT_NEAR(loss, -std::log(1e-15), 1e-9);
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_NEAR(*LogLoss(std::vector<float>{1.0f}, std::vector<float>{1}), 0.0, 1e-12);
  EXPECT_FALSE(LogLoss(std::vector<float>{}, std::vector<float>{}).has_value());
}

TEST(AccuracyTest, ThresholdIsStrict) {
  // 0.5 predicts 0 (as XGBoost's error metric); 0.51 predicts 1.
  const std::vector<float> p = {0.5f, 0.51f, 0.2f, 0.9f};
  EXPECT_DOUBLE_EQ(*Accuracy(p, std::vector<float>{0, 1, 0, 0}), 0.75);
  EXPECT_DOUBLE_EQ(*Accuracy(p, std::vector<float>{1, 0, 1, 0}), 0.0);
  EXPECT_FALSE(Accuracy(std::vector<float>{}, std::vector<float>{}).has_value());
}

TEST(F1Test, HandComputed) {
  // Predictions (p > 0.5): 1, 1, 0, 0, 1; labels 1, 0, 1, 0, 1 -> TP 2, FP 1, FN 1, TN 1.
  // 2 * 2 / (2 * 2 + 1 + 1) = 4 / 6.
  const std::vector<float> p = {0.9f, 0.7f, 0.5f, 0.1f, 0.6f};
  EXPECT_DOUBLE_EQ(*F1(p, std::vector<float>{1, 0, 1, 0, 1}), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(*F1(p, std::vector<float>{1, 1, 0, 0, 1}), 1.0);
  // No true positive but mistakes: 0, not undefined.
  EXPECT_DOUBLE_EQ(*F1(std::vector<float>{0.9f, 0.1f}, std::vector<float>{0, 1}), 0.0);
}

TEST(F1Test, UndefinedWithoutPositivesOrBadInput) {
  EXPECT_FALSE(F1(std::vector<float>{0.1f, 0.2f}, std::vector<float>{0, 0}).has_value());
  EXPECT_FALSE(F1(std::vector<float>{}, std::vector<float>{}).has_value());
  EXPECT_FALSE(F1(std::vector<float>{0.1f}, std::vector<float>{0, 1}).has_value());
}

}  // namespace
}  // namespace retrain
