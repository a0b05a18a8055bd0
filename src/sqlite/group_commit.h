#pragma once
// Group commit for one SQLite connection (after LevelDB's writer queue): each write waits in a
// queue; the writer at the front becomes the leader, runs the operations of everyone queued
// behind it (up to max_group) in one transaction, each under its own savepoint so that one
// failing operation does not undo the others, commits once (one fsync for the group) and wakes
// them. No Write returns before the commit that holds its operation is durable.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "sqlite/db.h"

namespace retrain {

class GroupCommit {
 public:
  // `db` and `db_mu` (which guards every use of `db`) must outlive this object.
  GroupCommit(Db& db, std::mutex& db_mu, size_t max_group);

  // Runs `op` inside a transaction shared with concurrent writers, with `db_mu` held. An error
  // from `op` rolls back only its own changes and is returned; a failed commit is returned to
  // every writer whose operation succeeded. Thread-safe.
  [[nodiscard]] Status Write(const std::function<Status()>& op);

 private:
  struct Writer {
    const std::function<Status()>* op;
    Status result;
    bool done = false;
    std::condition_variable cv;
  };

  // Runs each writer's operation under a savepoint in one transaction; returns the commit's
  // status (each writer's own result is in its `result`).
  Status RunGroup(const std::vector<Writer*>& group);

  Db& db_;
  std::mutex& db_mu_;
  const size_t max_group_;
  std::mutex queue_mu_;  // guards writers_ (and each queued Writer's result and done)
  std::deque<Writer*> writers_;
};

}  // namespace retrain
