// Listing: keyset pagination newest first with filters, active jobs, jobs needing sync,
// last/active job per model and batched events.

#include <gtest/gtest.h>

#include <set>

#include "store_test_util.h"

namespace retrain {
namespace {

class JobStoreListTest : public testing::StoreTest {
 protected:
  // Seven jobs across two models, each finished before the next: a b a b a b a, where the
  // third and sixth fail and the rest complete. ids_ holds them in creation order.
  void MakeSeven() {
    for (int i = 0; i < 7; ++i) {
      std::string model = i % 2 == 0 ? "a" : "b";
      clock_.Advance(1000);
      Job j = Create(model, std::to_string((i + 1) * 10));
      Finish(j.id, i == 2 || i == 5 ? JobStatus::kFailed : JobStatus::kCompleted);
      ids_.push_back(j.id);
    }
  }

  // Pages through `filter` with `limit`, checking that seq strictly decreases across pages.
  std::vector<std::string> Walk(JobFilter filter, int limit, std::vector<size_t>* sizes) {
    filter.limit = limit;
    std::vector<std::string> out;
    int64_t last_seq = INT64_MAX;
    for (int page = 0; page < 20; ++page) {
      auto p = store_->ListJobs(filter);
      EXPECT_TRUE(p.has_value());
      if (!p) break;
      sizes->push_back(p->jobs.size());
      for (const auto& j : p->jobs) {
        EXPECT_LT(j.seq, last_seq);
        last_seq = j.seq;
        out.push_back(j.id);
      }
      if (!p->next_before_seq) break;
      EXPECT_EQ(*p->next_before_seq, p->jobs.back().seq);
      filter.before_seq = p->next_before_seq;
    }
    return out;
  }

  std::vector<std::string> Reversed(std::vector<size_t> idx) {
    std::vector<std::string> out;
    for (auto it = idx.rbegin(); it != idx.rend(); ++it) out.push_back(ids_[*it]);
    return out;
  }

  std::vector<std::string> ids_;
};
RETRAIN_STORE_CONTRACT(JobStoreListTest);

TEST_P(JobStoreListTest, PagesNewestFirstWithoutGapsOrDuplicates) {
  MakeSeven();
  std::vector<size_t> sizes;
  auto all = Walk(JobFilter{}, 3, &sizes);
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 1}));
  EXPECT_EQ(all, Reversed({0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 7u);
}

TEST_P(JobStoreListTest, ExactPageHasNoNextCursor) {
  MakeSeven();
  JobFilter f;
  f.limit = 7;
  auto p = store_->ListJobs(f);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->jobs.size(), 7u);
  EXPECT_FALSE(p->next_before_seq.has_value());
  f.limit = 6;
  p = store_->ListJobs(f);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->jobs.size(), 6u);
  EXPECT_TRUE(p->next_before_seq.has_value());
}

TEST_P(JobStoreListTest, FilterByModel) {
  MakeSeven();
  JobFilter f;
  f.model_id = "a";
  std::vector<size_t> sizes;
  EXPECT_EQ(Walk(f, 3, &sizes), Reversed({0, 2, 4, 6}));
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 1}));
  f.model_id = "b";
  sizes.clear();
  EXPECT_EQ(Walk(f, 3, &sizes), Reversed({1, 3, 5}));
  EXPECT_EQ(sizes, (std::vector<size_t>{3}));
  f.model_id = "none";
  sizes.clear();
  EXPECT_TRUE(Walk(f, 3, &sizes).empty());
}

TEST_P(JobStoreListTest, FilterByStatusAndBoth) {
  MakeSeven();
  JobFilter f;
  f.status = JobStatus::kFailed;
  std::vector<size_t> sizes;
  EXPECT_EQ(Walk(f, 3, &sizes), Reversed({2, 5}));
  f.status = JobStatus::kCompleted;
  sizes.clear();
  EXPECT_EQ(Walk(f, 3, &sizes), Reversed({0, 1, 3, 4, 6}));
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 2}));
  f.model_id = "b";
  sizes.clear();
  EXPECT_EQ(Walk(f, 1, &sizes), Reversed({1, 3}));
  f.status = JobStatus::kRunning;
  sizes.clear();
  EXPECT_TRUE(Walk(f, 3, &sizes).empty());
}

TEST_P(JobStoreListTest, ListActiveJobsInCreationOrder) {
  Job a = Create("a", "10");
  Job b = Create("b", "10");
  Job c = Create("c", "10");
  ASSERT_TRUE(MoveTo(b.id, JobStatus::kScheduled).has_value());
  ASSERT_TRUE(MoveTo(b.id, JobStatus::kRunning).has_value());
  Finish(c.id, JobStatus::kCompleted);
  auto active = store_->ListActiveJobs();
  ASSERT_TRUE(active.has_value());
  ASSERT_EQ(active->size(), 2u);
  EXPECT_EQ((*active)[0].id, a.id);
  EXPECT_EQ((*active)[1].id, b.id);
  EXPECT_EQ((*active)[1].status, JobStatus::kRunning);
}

TEST_P(JobStoreListTest, ActiveAndLastJobPerModel) {
  auto none = store_->ActiveJob("a");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(store_->LastJob("a")->has_value());
  Job first = Create("a", "10");
  Finish(first.id, JobStatus::kCompleted);
  Job second = Create("a", "20");
  EXPECT_EQ((*store_->ActiveJob("a"))->id, second.id);
  EXPECT_EQ((*store_->LastJob("a"))->id, second.id);
  Finish(second.id, JobStatus::kFailed);
  EXPECT_FALSE(store_->ActiveJob("a")->has_value());
  EXPECT_EQ((*store_->LastJob("a"))->id, second.id);
}

TEST_P(JobStoreListTest, JobsNeedingSyncAreTerminalAndNotFinalized) {
  Job running = Create("a", "10");
  ASSERT_TRUE(MoveTo(running.id, JobStatus::kScheduled).has_value());
  Job done = Create("b", "10");
  Finish(done.id, JobStatus::kCompleted);
  Job failed = Create("c", "10");
  Finish(failed.id, JobStatus::kFailed);

  auto lagging = store_->ListJobsNeedingSync();
  ASSERT_TRUE(lagging.has_value());
  ASSERT_EQ(lagging->size(), 2u);
  EXPECT_EQ((*lagging)[0].id, done.id);
  EXPECT_EQ((*lagging)[1].id, failed.id);

  ASSERT_TRUE(store_
                  ->UpdateJob(done.id,
                              [](Job& j, JobUpdate&) -> Status {
                                j.tracking_finalized = true;
                                return {};
                              })
                  .has_value());
  lagging = store_->ListJobsNeedingSync();
  ASSERT_TRUE(lagging.has_value());
  ASSERT_EQ(lagging->size(), 1u);
  EXPECT_EQ((*lagging)[0].id, failed.id);
}

TEST_P(JobStoreListTest, EventsForSeveralJobs) {
  Job a = Create("a", "10");
  Job b = Create("b", "10");
  Finish(b.id, JobStatus::kCompleted);
  auto r = store_->ListEventsForJobs({b.id, a.id, "missing"});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].first, b.id);
  EXPECT_EQ((*r)[0].second.size(), 3u);
  EXPECT_EQ((*r)[1].first, a.id);
  EXPECT_EQ((*r)[1].second.size(), 1u);
  EXPECT_EQ((*r)[2].first, "missing");
  EXPECT_TRUE((*r)[2].second.empty());
}

}  // namespace
}  // namespace retrain
