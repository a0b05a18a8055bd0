#include "sqlite/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "../temp_dir.h"

namespace retrain {
namespace {

// Counts the commits of a connection; fails them while `fail` is set.
struct CommitHook {
  std::atomic<int> commits{0};
  std::atomic<bool> fail{false};
  static int OnCommit(void* self) {
    auto* h = static_cast<CommitHook*>(self);
    if (h->fail) return 1;  // turns the COMMIT into a rollback
    ++h->commits;
    return 0;
  }
};

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Db::Open(dir_.path() + "/g.db");
    ASSERT_TRUE(db.has_value());
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)").has_value());
    sqlite3_commit_hook(db_->raw(), &CommitHook::OnCommit, &hook_);
  }

  // An operation that inserts row `id` (run with mu_ held by the group commit).
  std::function<Status()> Insert(int id) {
    return [this, id]() -> Status {
      auto st = db_->Prepare("INSERT INTO t (id, v) VALUES (?1, 'x')");
      if (!st) return std::unexpected(st.error());
      return (*st)->Bind(1, int64_t{id}).Run();
    };
  }

  std::set<int64_t> Rows() {
    std::lock_guard lock(mu_);
    std::set<int64_t> out;
    auto q = db_->Prepare("SELECT id FROM t");
    while (true) {
      auto row = (*q)->Step();
      if (!row || !*row) break;
      out.insert((*q)->Int(0));
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Db> db_;
  std::mutex mu_;
  CommitHook hook_;
};

TEST_F(GroupCommitTest, EveryConcurrentWriteIsCommittedAndReported) {
  GroupCommit gc(*db_, mu_, 16);
  constexpr int kThreads = 8, kPerThread = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) ok += gc.Write(Insert(t * kPerThread + i)).has_value();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, kThreads * kPerThread);
  EXPECT_EQ(Rows().size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_LE(hook_.commits, kThreads * kPerThread);
}

TEST_F(GroupCommitTest, WritersQueuedBehindALeaderShareOneCommitUpToMaxGroup) {
  GroupCommit gc(*db_, mu_, 3);
  std::atomic<bool> running{false}, release{false};
  // The first writer's operation holds the connection until the other seven have queued.
  std::thread first([&] {
    Status s = gc.Write([&]() -> Status {
      running = true;
      while (!release) std::this_thread::yield();
      return Insert(0)();
    });
    EXPECT_TRUE(s.has_value());
  });
  while (!running) std::this_thread::yield();
  std::vector<std::thread> rest;
  std::atomic<int> ok{0};
  for (int i = 1; i <= 7; ++i) rest.emplace_back([&, i] { ok += gc.Write(Insert(i)).has_value(); });
  // Give the seven time to reach the queue; the grouping below does not depend on how long.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  release = true;
  first.join();
  for (auto& th : rest) th.join();
  EXPECT_EQ(ok, 7);
  EXPECT_EQ(Rows(), (std::set<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  // The leader alone, then seven in groups of at most three: 3 + 3 + 1.
  EXPECT_EQ(hook_.commits, 4);
}

TEST_F(GroupCommitTest, AFailingOperationUndoesOnlyItsOwnChanges) {
  GroupCommit gc(*db_, mu_, 64);
  ASSERT_TRUE(gc.Write(Insert(1)).has_value());
  // A write that inserts a row and then fails: its row must not survive.
  Status failed = gc.Write([&]() -> Status {
    if (auto s = Insert(2)(); !s) return s;
    return Fail(ErrorCode::kInvalidArgument, "refused on purpose");
  });
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().message, "refused on purpose");
  // A constraint violation is reported to its writer and leaves the others' rows.
  Status dup = gc.Write(Insert(1));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  ASSERT_TRUE(gc.Write(Insert(3)).has_value());
  EXPECT_EQ(Rows(), (std::set<int64_t>{1, 3}));
}

TEST_F(GroupCommitTest, AFailedCommitIsReportedToEveryWriterAndWritesNothing) {
  GroupCommit gc(*db_, mu_, 64);
  hook_.fail = true;
  Status s = gc.Write(Insert(1));
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("failed"), std::string::npos) << s.error().message;
  hook_.fail = false;
  EXPECT_TRUE(Rows().empty());
  // The connection is usable again afterwards.
  ASSERT_TRUE(gc.Write(Insert(2)).has_value());
  EXPECT_EQ(Rows(), (std::set<int64_t>{2}));
}

}  // namespace
}  // namespace retrain
