// The leader lease and fenced writes, on every backend: who may take the lease and when, that
// renewals keep the epoch and takes advance it, and that a view fenced at an old epoch writes
// nothing once a newer leader exists — checked inside the write's own transaction.
#include <atomic>
#include <thread>

#include "store_test_util.h"

namespace retrain::testing {
namespace {

constexpr const char* kLease = "retrain-leader";

LeaseRequest Take(const std::string& holder, int64_t duration_ms = 1'000) {
  LeaseRequest r;
  r.name = kLease;
  r.holder = holder;
  r.duration_ms = duration_ms;
  return r;
}

LeaseRequest Renew(const std::string& holder, int64_t epoch, int64_t duration_ms = 1'000) {
  LeaseRequest r = Take(holder, duration_ms);
  r.renew_epoch = epoch;
  return r;
}

class LeaseTest : public StoreTest {};
RETRAIN_STORE_CONTRACT(LeaseTest);

TEST_P(LeaseTest, OneHolderUntilItExpires) {
  auto none = store_->GetLease(kLease);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);

  auto a = store_->AcquireLease(Take("a"));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->holder, "a");
  EXPECT_EQ(a->epoch, 1);
  EXPECT_EQ(a->expires_ms, kT0 + 1'000);

  // Another replica (its own connections) is refused while the lease lives, and told who holds it.
  auto other = OpenAnother();
  ASSERT_NE(other, nullptr);
  auto b = other->AcquireLease(Take("b"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->holder, "a");
  EXPECT_EQ(b->epoch, 1);

  // A renewal extends it and keeps the epoch.
  clock_.Advance(600);
  auto renewed = store_->AcquireLease(Renew("a", 1));
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->holder, "a");
  EXPECT_EQ(renewed->epoch, 1);
  EXPECT_EQ(renewed->expires_ms, kT0 + 1'600);

  // Expired, it goes to whoever asks, at a new epoch; the old holder's renewal then fails.
  clock_.Advance(1'000);
  b = other->AcquireLease(Take("b"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->holder, "b");
  EXPECT_EQ(b->epoch, 2);
  auto late = store_->AcquireLease(Renew("a", 1));
  ASSERT_TRUE(late);
  EXPECT_EQ(late->holder, "b");
  EXPECT_EQ(late->epoch, 2);

  auto stored = store_->GetLease(kLease);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->holder, "b");
  EXPECT_EQ((*stored)->epoch, 2);
}

TEST_P(LeaseTest, ATakeByTheHolderStartsANewEpoch) {
  ASSERT_TRUE(store_->AcquireLease(Take("a")));
  auto again = store_->AcquireLease(Take("a"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->holder, "a");
  EXPECT_EQ(again->epoch, 2);  // a restarted replica fences out its former self
  // A renewal at the superseded epoch is refused even for the same holder.
  auto stale = store_->AcquireLease(Renew("a", 1));
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->epoch, 2);
  EXPECT_EQ(stale->expires_ms, kT0 + 1'000);
}

TEST_P(LeaseTest, ReleaseAndForce) {
  ASSERT_TRUE(store_->AcquireLease(Take("a")));
  // A release by someone else, or at another epoch, changes nothing.
  ASSERT_TRUE(store_->ReleaseLease(kLease, "b", 1));
  ASSERT_TRUE(store_->ReleaseLease(kLease, "a", 7));
  auto b = store_->AcquireLease(Take("b"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->holder, "a");
  // Released, it is free at once.
  ASSERT_TRUE(store_->ReleaseLease(kLease, "a", 1));
  b = store_->AcquireLease(Take("b"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->holder, "b");
  EXPECT_EQ(b->epoch, 2);
  // Force takes it from a live holder.
  LeaseRequest force = Take("c");
  force.force = true;
  auto c = store_->AcquireLease(force);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->holder, "c");
  EXPECT_EQ(c->epoch, 3);
}

TEST_P(LeaseTest, OnlyOneOfManyRacingInstancesTakesIt) {
  constexpr int kReplicas = 6;
  std::vector<std::unique_ptr<JobStore>> stores;
  for (int i = 0; i < kReplicas; ++i) stores.push_back(OpenAnother());
  std::atomic<int> granted{0}, errors{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      auto r = stores[static_cast<size_t>(i)]->AcquireLease(Take("r" + std::to_string(i)));
      if (!r)
        ++errors;
      else if (r->holder == "r" + std::to_string(i))
        ++granted;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(granted.load(), 1);
  auto stored = store_->GetLease(kLease);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->epoch, 1);
}

TEST_P(LeaseTest, AFencedViewWritesOnlyAtTheLeasesEpoch) {
  Fence fence(kLease);
  auto view = store_->Fenced(fence);
  // Not leading (epoch 0): refused, nothing written.
  auto refused = view->CreateJob(MakeJob("m", "", "c1"), std::nullopt);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().api_code, "not_leader");
  auto page = store_->ListJobs(JobFilter{});
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->jobs.empty());

  auto a = view->AcquireLease(Take("a"));
  ASSERT_TRUE(a);
  fence.Set(a->epoch);
  auto job = view->CreateJob(MakeJob("m", "", "c1"), std::nullopt);
  ASSERT_TRUE(job) << job.error().message;
  auto moved = view->UpdateJob(job->id, [](Job& j, JobUpdate&) -> Status {
    j.status = JobStatus::kScheduled;
    return {};
  });
  ASSERT_TRUE(moved) << moved.error().message;
  Promotion p;
  p.model_id = "m";
  p.version = "1";
  p.at_ms = kT0;
  p.source = PromotionSource::kManual;
  p.reason = "first";
  ASSERT_TRUE(view->AppendPromotion(p));
  ASSERT_TRUE(view->PutSettingIfAbsent("k1", "v"));

  // Another replica takes the expired lease; the old leader's view is fenced out of every write.
  clock_.Advance(2'000);
  auto other = OpenAnother();
  auto b = other->AcquireLease(Take("b"));
  ASSERT_TRUE(b);
  ASSERT_EQ(b->holder, "b");
  auto update = view->UpdateJob(job->id, [](Job& j, JobUpdate& u) -> Status {
    j.status = JobStatus::kRunning;
    u.events.push_back(JobEvent{});
    return {};
  });
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().api_code, "not_leader");
  auto create = view->CreateJob(MakeJob("n", "", "c1"), std::nullopt);
  ASSERT_FALSE(create);
  EXPECT_EQ(create.error().api_code, "not_leader");
  p.version = "2";
  auto append = view->AppendPromotion(p);
  ASSERT_FALSE(append);
  EXPECT_EQ(append.error().api_code, "not_leader");
  auto put = view->PutSettingIfAbsent("k2", "v");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().api_code, "not_leader");

  // None of it reached the store; reads through the view still work; the unfenced store writes.
  auto stored = view->GetJob(job->id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, JobStatus::kScheduled);
  auto events = store_->ListEvents(job->id);
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 1u);  // the "pending" event of its creation only
  EXPECT_FALSE(store_->ActiveJob("n").value_or(std::nullopt));
  EXPECT_EQ(store_->ListPromotions("m", 10).value_or(std::vector<Promotion>{}).size(), 1u);
  EXPECT_FALSE(store_->GetSetting("k2").value_or(std::nullopt));
  EXPECT_TRUE(store_->UpdateJob(job->id, [](Job& j, JobUpdate&) -> Status {
    j.status = JobStatus::kRunning;
    return {};
  }));
}

}  // namespace
}  // namespace retrain::testing
