#include "sqlite/group_commit.h"

#include <algorithm>

namespace retrain {

GroupCommit::GroupCommit(Db& db, std::mutex& db_mu, size_t max_group)
    : db_(db), db_mu_(db_mu), max_group_(std::max<size_t>(1, max_group)) {}

Status GroupCommit::Write(const std::function<Status()>& op) {
  Writer w{&op, {}, false, {}};
  std::unique_lock queue(queue_mu_);
  writers_.push_back(&w);
  w.cv.wait(queue, [&] { return w.done || writers_.front() == &w; });
  if (w.done) return w.result;
  std::vector<Writer*> group(writers_.begin(),
                             writers_.begin() + std::min(writers_.size(), max_group_));
  queue.unlock();
  Status committed = RunGroup(group);
  queue.lock();
  for (Writer* member : group) {
    writers_.pop_front();
    if (!committed && member->result) member->result = committed;
    if (member != &w) {
      member->done = true;
      member->cv.notify_one();
    }
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  return w.result;
}

Status GroupCommit::RunGroup(const std::vector<Writer*>& group) {
  std::lock_guard lock(db_mu_);
  auto tx = Transaction::Begin(db_);
  if (!tx) {
    for (Writer* m : group) m->result = std::unexpected(tx.error());
    return std::unexpected(tx.error());
  }
  for (Writer* m : group) {
    if (auto s = db_.Exec("SAVEPOINT w"); !s) {
      m->result = s;
      continue;
    }
    m->result = (*m->op)();
    if (!m->result) (void)db_.Exec("ROLLBACK TO w");
    (void)db_.Exec("RELEASE w");
  }
  return (*tx)->Commit();
}

}  // namespace retrain
