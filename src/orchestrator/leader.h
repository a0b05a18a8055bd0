#pragma once
// Leader election among the replicas sharing a job store. Each replica runs a LeaderElector; the
// one that holds the store's lease (JobStore::AcquireLease) runs the trigger and reconcile loops,
// the others serve the API only. Every write the loops make goes through a store view fenced at
// the leader's epoch (JobStore::Fenced), so a leader that lost its lease — paused, partitioned,
// or slow to notice — writes nothing once another replica has taken it.
//
// The leader renews every renew interval. A follower asks every `poll` (a tenth of the lease,
// at most the renew interval), so a dead leader is replaced within one lease duration plus one
// poll. A leader that cannot reach the store steps down once its lease has run out (it could
// not write anyway: its writes fail without the store, and are fenced after it). Stop releases
// the lease, so a replica shut down on purpose is replaced at the next poll.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/metrics.h"
#include "core/time.h"
#include "store/job_store.h"

namespace retrain {

inline constexpr const char* kLeaderLease = "retrain-leader";

struct LeaderOptions {
  std::string replica_id;  // unique among the replicas; see DefaultReplicaId
  int64_t lease_duration_ms = 15'000;
  int64_t renew_interval_ms = 5'000;
  // The store is one only this process can use (embedded, behind the data directory's lock): a
  // holder other than this replica is a dead process, so the first take does not wait for it.
  bool sole_user = false;
};

// What a replica knows about the leadership.
struct LeadershipView {
  std::string replica_id;
  bool leading = false;
  std::string leader;  // the holder of the lease as last read ("" when unknown or none)
  int64_t epoch = 0;   // the epoch this replica leads at (0 when following)
  std::optional<std::string> error;  // the last failure to reach the store, if it persists
};

class LeaderElector {
 public:
  // Called with true when this replica becomes the leader (after `fence` holds the new epoch)
  // and with false when it stops leading (after `fence` is cleared). Runs on the elector's
  // thread; may block (it starts and stops the loops).
  using OnChange = std::function<void(bool leading)>;

  // `store`, `fence`, `clock` and `metrics` must outlive the elector.
  LeaderElector(LeaderOptions options, JobStore& store, Fence& fence, const Clock& clock,
                MetricsRegistry& metrics, OnChange on_change);
  ~LeaderElector();  // Stop()

  // Starts the election thread; the first attempt to take the lease is made before it returns.
  void Start();
  // Steps down (on_change(false) when leading), releases the lease, and ends the thread.
  void Stop();

  // One election step: take, renew or step down. The thread calls it; tests may call it directly
  // (without Start). Returns how long to wait before the next step.
  int64_t StepOnce();

  LeadershipView View() const;
  const LeaderOptions& options() const { return options_; }

 private:
  void Run();
  void Become(int64_t epoch);
  void StepDown(const std::string& why);

  const LeaderOptions options_;
  JobStore& store_;
  Fence& fence_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  const OnChange on_change_;

  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable cv_;
  bool stop_ = false;
  bool taken_once_ = false;    // sole_user: the forced first take happened
  int64_t epoch_ = 0;          // held epoch; 0 when following
  int64_t renewed_at_ms_ = 0;  // local time of the last successful take or renewal
  std::string leader_;
  std::optional<std::string> error_;
  std::thread thread_;
};

// The default replica id: RETRAIN_REPLICA_ID when set, else "<hostname>:<port>" — unique per
// running replica (no two processes listen on one host's port) and stable across a restart.
std::string DefaultReplicaId(const std::string& env_value, int port);

}  // namespace retrain
