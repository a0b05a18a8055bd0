// The store's invariants across processes: forked children, each with its own store instance
// on the same data, race to create jobs. The database alone must decide the winner.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "store_test_util.h"

namespace retrain {
namespace {

class JobStoreProcessTest : public testing::StoreTest {
 protected:
  enum Outcome { kCreated = 0, kReplayed = 10, kJobActive = 11, kOther = 20 };

  // Forks `n` children; child i opens its own store, waits until all are ready, then calls
  // CreateJob(MakeJob(model(i)), key). Returns how many children ended with each outcome.
  std::map<int, int> Race(int n, const std::function<std::string(int)>& model,
                          const std::optional<std::string>& key) {
    int ready[2], go[2];
    EXPECT_EQ(pipe(ready), 0);
    EXPECT_EQ(pipe(go), 0);
    std::vector<pid_t> pids;
    for (int i = 0; i < n; ++i) {
      Job job = MakeJob(model(i), "", "10");
      pid_t pid = fork();
      if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        auto store = location_->Open(clock_);
        char b = 'r';
        if (write(ready[1], &b, 1) != 1) _exit(kOther);
        if (read(go[0], &b, 1) < 0) _exit(kOther);  // returns 0 when the parent closes it
        if (!store) _exit(kOther);
        bool replayed = false;
        auto r = (*store)->CreateJob(job, key, &replayed);
        if (r) _exit(replayed ? kReplayed : kCreated);
        _exit(r.error().api_code == "job_active" ? kJobActive : kOther);
      }
      pids.push_back(pid);
    }
    close(ready[1]);
    close(go[0]);
    char b;
    for (int i = 0; i < n; ++i) EXPECT_EQ(read(ready[0], &b, 1), 1);
    close(go[1]);  // all children start at once
    close(ready[0]);
    std::map<int, int> outcomes;
    for (pid_t pid : pids) {
      int status = 0;
      EXPECT_EQ(waitpid(pid, &status, 0), pid);
      outcomes[WIFEXITED(status) ? WEXITSTATUS(status) : -1]++;
    }
    return outcomes;
  }
};
RETRAIN_STORE_CONTRACT(JobStoreProcessTest);

TEST_P(JobStoreProcessTest, ProcessesRacingForOneModelCreateOneJob) {
  auto outcomes = Race(
      6, [](int) { return std::string("m"); }, std::nullopt);
  EXPECT_EQ(outcomes[kCreated], 1);
  EXPECT_EQ(outcomes[kJobActive], 5);
  auto active = store_->ListActiveJobs();
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(active->size(), 1u);
}

TEST_P(JobStoreProcessTest, ProcessesSendingOneIdempotencyKeyCreateOneJob) {
  auto outcomes = Race(
      6, [](int i) { return "model-" + std::to_string(i); }, "same-key");
  EXPECT_EQ(outcomes[kCreated], 1);
  EXPECT_EQ(outcomes[kReplayed], 5);
  auto all = store_->ListJobs(JobFilter{});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->jobs.size(), 1u);
}

}  // namespace
}  // namespace retrain
