#include "trainer/xgb_model.h"

#include <gtest/gtest.h>

#include "trainer/dataset.h"
#include "trainer/metrics.h"
#include "trainer/synthetic.h"
#include "trainer_fakes.h"

namespace retrain {
namespace {

Dataset SyntheticDataset(int64_t count, uint64_t seed, double drift = 0.0) {
  SyntheticOptions o;
  o.count = count;
  o.seed = seed;
  o.drift = drift;
  DatasetBuilder b;
  int64_t i = 0;
  for (const auto& r : GenerateRecords(o)) {
    b.Add(FeedRecord{testing::CursorOf(++i), "ingest-1", r.entity_type, 0, r.payload_json});
  }
  return b.Finish();
}

TEST(TrainParamsTest, DefaultsAndOverrides) {
  auto p = ParseTrainParams({});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->num_round, 50);
  EXPECT_EQ(p->max_depth, 4);
  EXPECT_DOUBLE_EQ(p->eta, 0.3);
  EXPECT_EQ(p->nthread, 1);
  p = ParseTrainParams({{"num_round", "80"}, {"eta", "0.1"}, {"seed", "7"}, {"subsample", "0.8"}});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->num_round, 80);
  EXPECT_DOUBLE_EQ(p->eta, 0.1);
  EXPECT_EQ(p->seed, 7u);
  EXPECT_EQ(p->extra.at("subsample"), "0.8");
}

TEST(TrainParamsTest, RejectsBadValuesNamingTheKey) {
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{{"num_round", "0"},
                                                                            {"num_round", "ten"},
                                                                            {"max_depth", "-1"},
                                                                            {"eta", "0"},
                                                                            {"eta", "1.5"},
                                                                            {"seed", "-3"},
                                                                            {"nthread", "2x"}}) {
    auto p = ParseTrainParams({{key, value}});
    ASSERT_FALSE(p.has_value()) << key << "=" << value;
    EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(p.error().message.find(key), std::string::npos);
  }
}

TEST(XgbModelTest, LearnsTheSyntheticFeedWell) {
  const Dataset d = SyntheticDataset(4000, 21);
  auto train = DMatrix::FromMatrix(d.train, d.feature_names);
  ASSERT_TRUE(train.has_value()) << train.error().message;
  auto booster = Booster::Train(*train, TrainParams{});
  ASSERT_TRUE(booster.has_value()) << booster.error().message;
  auto holdout = DMatrix::FromMatrix(d.holdout, d.feature_names);
  ASSERT_TRUE(holdout.has_value());
  auto p = booster->Predict(*holdout);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  ASSERT_EQ(p->size(), d.holdout.rows);
  const double auc = *Auc(*p, d.holdout.labels);
  EXPECT_GT(auc, 0.8);
  EXPECT_LT(*LogLoss(*p, d.holdout.labels), 0.6);
  EXPECT_GT(*Accuracy(*p, d.holdout.labels), 0.7);
}

TEST(XgbModelTest, TrainingIsDeterministic) {
  const Dataset d = SyntheticDataset(800, 2);
  auto train = DMatrix::FromMatrix(d.train, d.feature_names);
  ASSERT_TRUE(train.has_value());
  TrainParams params;
  params.num_round = 10;
  auto a = Booster::Train(*train, params);
  auto b = Booster::Train(*train, params);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a->SaveJson(), *b->SaveJson());
}

TEST(XgbModelTest, JsonRoundTripGivesIdenticalPredictionsAndFeatureNames) {
  const Dataset d = SyntheticDataset(1500, 5);
  auto train = DMatrix::FromMatrix(d.train, d.feature_names);
  auto holdout = DMatrix::FromMatrix(d.holdout, d.feature_names);
  ASSERT_TRUE(train && holdout);
  auto booster = Booster::Train(*train, TrainParams{});
  ASSERT_TRUE(booster.has_value());
  auto json = booster->SaveJson();
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ(json->front(), '{');
  EXPECT_NE(json->find("binary:logistic"), std::string::npos);

  auto loaded = Booster::LoadJson(*json);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(*loaded->FeatureNames(), d.feature_names);
  EXPECT_EQ(*loaded->NumFeatures(), d.feature_names.size());
  auto before = booster->Predict(*holdout);
  auto after = loaded->Predict(*holdout);
  ASSERT_TRUE(before && after);
  ASSERT_EQ(before->size(), after->size());
  for (size_t i = 0; i < before->size(); ++i) EXPECT_EQ((*before)[i], (*after)[i]) << i;
  EXPECT_EQ(*loaded->SaveJson(), *json);
}

TEST(XgbModelTest, ErrorsBecomeValues) {
  auto bad = Booster::LoadJson("{\"not\": \"a model\"}");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(bad.error().message.empty());
  EXPECT_FALSE(Booster::LoadJson("").has_value());

  const Dataset d = SyntheticDataset(300, 8);
  auto train = DMatrix::FromMatrix(d.train, d.feature_names);
  ASSERT_TRUE(train.has_value());
  TrainParams params;
  params.num_round = 2;
  params.extra["objective"] = "no-such-objective";
  auto rejected = Booster::Train(*train, params);
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error().code, ErrorCode::kInvalidArgument);

  params.extra.clear();
  auto booster = Booster::Train(*train, params);
  ASSERT_TRUE(booster.has_value());
  Matrix narrow{1, 2, {1.0f, 2.0f}, {}};
  auto m = DMatrix::FromMatrix(narrow, {});
  ASSERT_TRUE(m.has_value());
  auto p = booster->Predict(*m);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);

  EXPECT_FALSE(DMatrix::FromMatrix(narrow, {"only-one"}).has_value());
  auto empty = DMatrix::FromMatrix(Matrix{0, 2, {}, {}}, {});
  if (empty.has_value()) {
    auto none = Booster::Train(*empty, params);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace retrain
