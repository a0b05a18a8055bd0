// The promotion history in the job store: append, list newest first, previous version filled
// from the history, one entry per job, and the migration from a version-1 database.
#include "store_test_util.h"

namespace retrain::testing {
namespace {

Promotion Move(const std::string& model, const std::string& version, int64_t at_ms,
               PromotionSource source, std::optional<std::string> job_id = std::nullopt) {
  Promotion p;
  p.model_id = model;
  p.version = version;
  p.at_ms = at_ms;
  p.source = source;
  p.reason = "because " + version;
  p.job_id = std::move(job_id);
  return p;
}

class PromotionsTest : public StoreTest {};
RETRAIN_STORE_CONTRACT(PromotionsTest);

TEST_P(PromotionsTest, AppendsAndListsNewestFirstPerModel) {
  bool appended = false;
  auto first =
      store_->AppendPromotion(Move("m", "1", kT0, PromotionSource::kAutomatic, "job-1"), &appended);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(appended);
  EXPECT_GT(first->seq, 0);
  EXPECT_FALSE(first->previous_version);
  ASSERT_TRUE(store_->AppendPromotion(Move("other", "7", kT0 + 1, PromotionSource::kManual)));
  auto second =
      store_->AppendPromotion(Move("m", "2", kT0 + 2, PromotionSource::kAutomatic, "job-2"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->previous_version, "1");  // filled from the history
  Promotion manual = Move("m", "1", kT0 + 3, PromotionSource::kManual);
  manual.previous_version = "2";
  ASSERT_TRUE(store_->AppendPromotion(manual));
  // A version never replaces itself: re-recording the newest version leaves previous unset.
  auto same = store_->AppendPromotion(Move("other", "7", kT0 + 4, PromotionSource::kRollback));
  ASSERT_TRUE(same);
  EXPECT_FALSE(same->previous_version);

  Reopen();
  auto list = store_->ListPromotions("m", 50);
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].version, "1");
  EXPECT_EQ((*list)[0].source, PromotionSource::kManual);
  EXPECT_EQ((*list)[0].previous_version, "2");
  EXPECT_FALSE((*list)[0].job_id);
  EXPECT_EQ((*list)[0].reason, "because 1");
  EXPECT_EQ((*list)[0].at_ms, kT0 + 3);
  EXPECT_EQ((*list)[1].version, "2");
  EXPECT_EQ((*list)[1].job_id, "job-2");
  EXPECT_EQ((*list)[2].version, "1");
  EXPECT_EQ((*list)[2].model_id, "m");

  auto limited = store_->ListPromotions("m", 1);
  ASSERT_TRUE(limited);
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ(limited->front().seq, list->front().seq);
  auto none = store_->ListPromotions("unknown", 50);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(PromotionsTest, OneEntryPerJobAcrossRetries) {
  auto first = store_->AppendPromotion(Move("m", "1", kT0, PromotionSource::kAutomatic, "job-1"));
  ASSERT_TRUE(first);
  Reopen();  // a crash between the append and the job's finalize
  bool appended = true;
  auto again = store_->AppendPromotion(
      Move("m", "1", kT0 + 5, PromotionSource::kAutomatic, "job-1"), &appended);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(appended);
  EXPECT_EQ(again->seq, first->seq);
  EXPECT_EQ(again->at_ms, kT0);
  auto list = store_->ListPromotions("m", 50);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
}

TEST_P(PromotionsTest, MigratesAVersionOneDatabase) {
  if (IsPostgres()) GTEST_SKIP() << "the PostgreSQL schema began with the history";
  // A store written before the history existed: schema version 1 with a job in it.
  Job job = MakeJob("m", "", "c1");
  ASSERT_TRUE(store_->CreateJob(job, std::nullopt));
  store_.reset();
  ASSERT_EQ(location_->Exec("DROP TABLE promotions; DROP TABLE leases; PRAGMA user_version = 1;"), "");
  Reopen();
  EXPECT_TRUE(store_->GetJob(job.id));
  ASSERT_TRUE(store_->AppendPromotion(Move("m", "1", kT0, PromotionSource::kManual)));
  auto list = store_->ListPromotions("m", 50);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
}

}  // namespace
}  // namespace retrain::testing
