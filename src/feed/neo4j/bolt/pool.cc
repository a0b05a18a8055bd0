#include "feed/neo4j/bolt/pool.h"

namespace retrain::bolt {

BoltPool::Lease::~Lease() {
  if (!conn_ || pool_ == nullptr) return;
  if (discard_ || !conn_->usable() || conn_->in_transaction()) {
    conn_.reset();  // says GOODBYE when it still can
    return;
  }
  pool_->Release(std::move(conn_));
}

Result<BoltPool::Lease> BoltPool::Acquire() {
  {
    std::lock_guard lock(mu_);
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->usable()) return Lease(this, std::move(conn), true);
    }
  }
  return AcquireFresh();
}

Result<BoltPool::Lease> BoltPool::AcquireFresh() {
  auto conn = BoltConnection::Open(config_);
  if (!conn) return std::unexpected(conn.error());
  return Lease(this, std::move(*conn), false);
}

void BoltPool::Release(std::unique_ptr<BoltConnection> conn) {
  std::unique_ptr<BoltConnection> extra;
  std::lock_guard lock(mu_);
  if (idle_.size() >= max_idle_) {
    extra = std::move(conn);  // closed after the lock is released
    return;
  }
  idle_.push_back(std::move(conn));
}

size_t BoltPool::idle() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace retrain::bolt
