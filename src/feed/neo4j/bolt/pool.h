#pragma once
// A small pool of Bolt connections to one server. Acquire() hands out an idle connection or
// opens a new one; the Lease gives it back when destroyed, unless it broke or still has a
// transaction open (then it is closed). At most `max_idle` connections are kept idle.
//
// Errors: those of BoltConnection::Open.
// Thread-safe: Acquire may be called from any thread; each Lease is used by one thread.
// The pool must outlive its leases.

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "feed/neo4j/bolt/connection.h"

namespace retrain::bolt {

class BoltPool {
 public:
  class Lease {
   public:
    Lease(BoltPool* pool, std::unique_ptr<BoltConnection> conn, bool reused)
        : pool_(pool), conn_(std::move(conn)), reused_(reused) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    BoltConnection* operator->() const { return conn_.get(); }
    BoltConnection& operator*() const { return *conn_; }
    // True when the connection came from the idle list (it may have gone stale meanwhile).
    bool reused() const { return reused_; }
    // Closes the connection instead of returning it to the pool.
    void Discard() { discard_ = true; }

   private:
    BoltPool* pool_;
    std::unique_ptr<BoltConnection> conn_;
    bool reused_;
    bool discard_ = false;
  };

  explicit BoltPool(BoltConfig config, size_t max_idle = 4)
      : config_(std::move(config)), max_idle_(max_idle) {}

  [[nodiscard]] Result<Lease> Acquire();
  // Opens a connection that bypasses the idle list (still returned to it afterwards).
  [[nodiscard]] Result<Lease> AcquireFresh();
  const BoltConfig& config() const { return config_; }
  size_t idle() const;

 private:
  void Release(std::unique_ptr<BoltConnection> conn);

  const BoltConfig config_;
  const size_t max_idle_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<BoltConnection>> idle_;  // guarded by mu_
};

}  // namespace retrain::bolt
