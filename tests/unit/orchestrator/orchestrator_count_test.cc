// The trigger pass and the models overview ask the feed for every model's unseen records in one
// CountUnseenMany call, and a count taken before a model's watermark moved is not trusted.

#include <gtest/gtest.h>

#include <functional>

#include "orchestrator_test_util.h"

namespace retrain {
namespace {

using testing::MakeModel;

// Passes every call to the embedded feed, counting the unseen-count calls; `after_many` runs
// right after a CountUnseenMany has answered.
class CountingFeed final : public FeedSource {
 public:
  explicit CountingFeed(FeedSource& inner) : inner_(inner) {}
  Result<std::string> Head() override { return inner_.Head(); }
  Result<UnseenSummary> CountUnseen(const FeedFilter& f, std::string_view a,
                                    std::string_view u) override {
    ++single_calls;
    return inner_.CountUnseen(f, a, u);
  }
  Result<std::vector<UnseenSummary>> CountUnseenMany(std::span<const UnseenQuery> q,
                                                     std::string_view u) override {
    ++many_calls;
    queries_in_last_many = q.size();
    auto r = inner_.CountUnseenMany(q, u);
    if (after_many) std::exchange(after_many, nullptr)();
    return r;
  }
  Result<Window> DescribeWindow(const FeedFilter& f, std::string_view a,
                                std::string_view u) override {
    ++describe_calls;
    return inner_.DescribeWindow(f, a, u);
  }
  Status Scan(const FeedFilter& f, std::string_view a, std::string_view u,
              const std::function<bool(const FeedRecord&)>& fn) override {
    return inner_.Scan(f, a, u, fn);
  }
  bool WaitForChange(int64_t t) override { return inner_.WaitForChange(t); }
  std::string Uri() const override { return inner_.Uri(); }
  Status Ping() override { return inner_.Ping(); }

  int single_calls = 0;
  int many_calls = 0;
  int describe_calls = 0;
  size_t queries_in_last_many = 0;
  std::function<void()> after_many;

 private:
  FeedSource& inner_;
};

class OrchestratorCountTest : public testing::OrchestratorTest {
 protected:
  void BuildCounting(std::vector<ModelSettings> models) {
    counting_ = std::make_unique<CountingFeed>(*feed_);
    OrchestratorOptions o;
    o.models = std::move(models);
    o.callback_secret = "unit-test-secret";
    o.feed_uri = feed_->Uri();
    orch_ = std::make_unique<Orchestrator>(std::move(o), *store_, *counting_, exec_, nullptr,
                                           clock_, metrics_);
  }
  std::unique_ptr<CountingFeed> counting_;
};

TEST_F(OrchestratorCountTest, OnePassCountsEveryModelInOneFeedCall) {
  std::vector<ModelSettings> models;
  for (int i = 0; i < 20; ++i)
    models.push_back(MakeModel("m" + std::to_string(i), i < 3 ? 5 : 1000));
  BuildCounting(models);
  Append(7);
  orch_->auto_trigger().RunOnce();
  EXPECT_EQ(counting_->many_calls, 1);
  EXPECT_EQ(counting_->queries_in_last_many, 20u);
  // The three models over their threshold got jobs from that one count.
  EXPECT_EQ(counting_->single_calls, 0);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Jobs("m" + std::to_string(i)).size(), i < 3 ? 1u : 0u) << i;
    EXPECT_EQ(metrics_.Value("retrain_unseen_records", {{"model", "m" + std::to_string(i)}}), 7);
  }

  auto overview = orch_->reads().Overview();
  ASSERT_TRUE(overview.has_value()) << overview.error().message;
  EXPECT_EQ(counting_->many_calls, 2);
  EXPECT_EQ(counting_->single_calls, 0);
  ASSERT_EQ(overview->size(), 20u);
  EXPECT_EQ((*overview)[0].unseen_records, 7);
  EXPECT_TRUE((*overview)[0].active_job.has_value());
  EXPECT_FALSE((*overview)[5].active_job.has_value());
}

TEST_F(OrchestratorCountTest, CountTakenBeforeTheWatermarkMovedIsRedone) {
  BuildCounting({MakeModel("m", 5)});
  Append(5);
  orch_->auto_trigger().RunOnce();
  auto jobs = Jobs("m");
  ASSERT_EQ(jobs.size(), 1u);
  const std::string first = jobs[0].id;
  orch_->reconciler().ReconcileOnce();  // scheduled and running on the fake executor
  Append(6);
  // The job completes (and the watermark moves to 5) after the pass counted 11 unseen records
  // from the old watermark: the pass must count again and claim only the 6 new ones.
  counting_->after_many = [&] { ASSERT_TRUE(Report(first, JobStatus::kCompleted).has_value()); };
  counting_->describe_calls = 0;
  orch_->auto_trigger().RunOnce();
  EXPECT_EQ(Watermark("m"), "5");
  // Counted again from the new watermark before the window was described (once).
  EXPECT_EQ(counting_->single_calls, 1);
  EXPECT_EQ(counting_->describe_calls, 1);
  jobs = Jobs("m");
  ASSERT_EQ(jobs.size(), 2u);
  const Job& second = jobs[0].id == first ? jobs[1] : jobs[0];
  EXPECT_EQ(second.window.after, "5");
  EXPECT_EQ(second.window.upto, "11");
  EXPECT_EQ(second.window.records, 6);
}

}  // namespace
}  // namespace retrain
