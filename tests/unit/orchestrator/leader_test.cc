// LeaderElector on a real (SQLite) store with simulated time: one leader at a time, takeover
// after the lease runs out, stepping down when another replica took the lease, release on
// Stop, and the embedded store's sole-user take.
#include "orchestrator/leader.h"

#include <gtest/gtest.h>

#include <vector>

#include "../temp_dir.h"
#include "store/sqlite/sqlite_job_store.h"

namespace retrain {
namespace {

constexpr int64_t kT0 = 1795674600000;

class LeaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = OpenSqliteJobStore(dir_.path() + "/jobs.db", clock_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }

  struct Replica {
    Fence fence{kLeaderLease};
    std::vector<bool> changes;
    std::unique_ptr<LeaderElector> elector;
  };

  std::unique_ptr<Replica> MakeReplica(const std::string& id, bool sole = false) {
    auto r = std::make_unique<Replica>();
    LeaderOptions o;
    o.replica_id = id;
    o.lease_duration_ms = 1'000;
    o.renew_interval_ms = 300;
    o.sole_user = sole;
    Replica* raw = r.get();
    r->elector =
        std::make_unique<LeaderElector>(o, *store_, r->fence, clock_, metrics_,
                                        [raw](bool leading) { raw->changes.push_back(leading); });
    return r;
  }

  testing::TempDir dir_;
  FakeClock clock_{kT0};
  MetricsRegistry metrics_;
  std::unique_ptr<JobStore> store_;
};

TEST_F(LeaderTest, OneLeaderThenTakeoverWhenItStopsRenewing) {
  auto a = MakeReplica("a");
  auto b = MakeReplica("b");
  EXPECT_EQ(a->elector->StepOnce(), 300);  // leading: renew after the renew interval
  EXPECT_EQ(b->elector->StepOnce(), 100);  // following: poll at a tenth of the lease
  EXPECT_TRUE(a->elector->View().leading);
  EXPECT_FALSE(b->elector->View().leading);
  EXPECT_EQ(b->elector->View().leader, "a");
  EXPECT_EQ(a->fence.epoch(), 1);
  EXPECT_EQ(b->fence.epoch(), 0);
  EXPECT_EQ(a->changes, std::vector<bool>{true});
  EXPECT_TRUE(b->changes.empty());
  EXPECT_EQ(metrics_.Value("retrain_leader", {{"replica", "a"}}), 1);
  EXPECT_EQ(metrics_.Value("retrain_leader", {{"replica", "b"}}), 0);

  // a renews while b polls: nothing changes.
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(300);
    a->elector->StepOnce();
    b->elector->StepOnce();
  }
  EXPECT_TRUE(a->elector->View().leading);
  EXPECT_FALSE(b->elector->View().leading);

  // a stops renewing (paused); b takes over once the lease has run out, at a new epoch.
  clock_.Advance(999);
  b->elector->StepOnce();
  EXPECT_FALSE(b->elector->View().leading);
  clock_.Advance(1);
  b->elector->StepOnce();
  EXPECT_TRUE(b->elector->View().leading);
  EXPECT_EQ(b->fence.epoch(), 2);
  EXPECT_EQ(b->changes, std::vector<bool>{true});

  // a wakes up: its fence still says epoch 1, which the store refuses; its next step sees b.
  auto fenced = store_->Fenced(a->fence);
  Job job;
  job.id = "j1";
  job.model_id = "m";
  auto refused = fenced->CreateJob(job, std::nullopt);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().api_code, "not_leader");
  a->elector->StepOnce();
  EXPECT_FALSE(a->elector->View().leading);
  EXPECT_EQ(a->elector->View().leader, "b");
  EXPECT_EQ(a->fence.epoch(), 0);
  EXPECT_EQ(a->changes, (std::vector<bool>{true, false}));
  EXPECT_EQ(metrics_.Value("retrain_leader", {{"replica", "a"}}), 0);
  EXPECT_EQ(metrics_.Value("retrain_leader", {{"replica", "b"}}), 1);
}

TEST_F(LeaderTest, StopReleasesTheLeaseForTheNextReplica) {
  auto a = MakeReplica("a");
  auto b = MakeReplica("b");
  a->elector->StepOnce();
  b->elector->StepOnce();
  ASSERT_TRUE(a->elector->View().leading);
  a->elector->Stop();
  EXPECT_EQ(a->fence.epoch(), 0);
  EXPECT_EQ(a->changes, (std::vector<bool>{true, false}));
  b->elector->StepOnce();  // no wait for the lease to expire
  EXPECT_TRUE(b->elector->View().leading);
  EXPECT_EQ(b->fence.epoch(), 2);
}

TEST_F(LeaderTest, ASoleUserTakesTheLeaseOfADeadProcessAtOnce) {
  auto dead = MakeReplica("old-process");
  dead->elector->StepOnce();
  ASSERT_TRUE(dead->elector->View().leading);
  // A regular replica would wait for the lease to run out ...
  auto waiting = MakeReplica("other");
  waiting->elector->StepOnce();
  EXPECT_FALSE(waiting->elector->View().leading);
  // ... the embedded store's only process does not.
  auto sole = MakeReplica("new-process", true);
  sole->elector->StepOnce();
  EXPECT_TRUE(sole->elector->View().leading);
  EXPECT_EQ(sole->fence.epoch(), 2);
  // After its first take it renews like any leader.
  clock_.Advance(300);
  EXPECT_EQ(sole->elector->StepOnce(), 300);
  EXPECT_EQ(sole->fence.epoch(), 2);
}

TEST(DefaultReplicaIdTest, EnvironmentFirstElseHostAndPort) {
  EXPECT_EQ(DefaultReplicaId("pod-1", 8080), "pod-1");
  std::string id = DefaultReplicaId("", 8080);
  EXPECT_TRUE(id.ends_with(":8080")) << id;
  EXPECT_GT(id.size(), 5u);
}

}  // namespace
}  // namespace retrain
