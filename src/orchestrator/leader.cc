#include "orchestrator/leader.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace retrain {

LeaderElector::LeaderElector(LeaderOptions options, JobStore& store, Fence& fence,
                             const Clock& clock, MetricsRegistry& metrics, OnChange on_change)
    : options_(std::move(options)),
      store_(store),
      fence_(fence),
      clock_(clock),
      metrics_(metrics),
      on_change_(std::move(on_change)) {
  metrics_.DeclareGauge("retrain_leader",
                        "1 on the replica that leads (runs the trigger and reconcile loops)");
  metrics_.Set("retrain_leader", {{"replica", options_.replica_id}}, 0);
}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stop_ = false;
  }
  const int64_t wait = StepOnce();
  std::lock_guard lock(mu_);
  thread_ = std::thread([this, wait] {
    int64_t next = wait;
    while (true) {
      {
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, std::chrono::milliseconds(next), [this] { return stop_; })) return;
      }
      next = StepOnce();
    }
  });
}

void LeaderElector::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  int64_t epoch;
  {
    std::lock_guard lock(mu_);
    epoch = epoch_;
  }
  if (epoch == 0) return;
  StepDown("shutting down");
  if (auto s = store_.ReleaseLease(kLeaderLease, options_.replica_id, epoch); !s) {
    spdlog::warn("could not release the leader lease: {}; another replica takes it when it expires",
                 s.error().message);
  }
}

int64_t LeaderElector::StepOnce() {
  const int64_t poll =
      std::max<int64_t>(50, std::min(options_.renew_interval_ms, options_.lease_duration_ms / 10));
  int64_t epoch;
  bool force;
  {
    std::lock_guard lock(mu_);
    epoch = epoch_;
    force = options_.sole_user && !taken_once_;
  }
  LeaseRequest r;
  r.name = kLeaderLease;
  r.holder = options_.replica_id;
  r.duration_ms = options_.lease_duration_ms;
  if (epoch != 0) r.renew_epoch = epoch;
  r.force = force;
  const int64_t asked_at = clock_.NowMs();
  auto lease = store_.AcquireLease(r);
  if (!lease) {
    bool expired;
    {
      std::lock_guard lock(mu_);
      if (!error_) {
        spdlog::error("leader election: cannot reach the job store: {}", lease.error().message);
      }
      error_ = lease.error().message;
      expired = epoch_ != 0 && clock_.NowMs() >= renewed_at_ms_ + options_.lease_duration_ms;
    }
    if (expired) StepDown("its lease ran out while the store was unreachable");
    return poll;
  }
  const bool mine = lease->holder == options_.replica_id && (epoch == 0 || lease->epoch == epoch);
  {
    std::lock_guard lock(mu_);
    if (error_) spdlog::info("leader election: the job store answers again");
    error_.reset();
    leader_ = lease->holder;
    if (mine) {
      renewed_at_ms_ = asked_at;
      taken_once_ = true;
    }
  }
  if (mine && epoch == 0) {
    Become(lease->epoch);
  } else if (!mine && epoch != 0) {
    StepDown("replica " + lease->holder + " took the lease (epoch " + std::to_string(lease->epoch) +
             ")");
  }
  return mine ? options_.renew_interval_ms : poll;
}

void LeaderElector::Become(int64_t epoch) {
  {
    std::lock_guard lock(mu_);
    epoch_ = epoch;
  }
  fence_.Set(epoch);
  spdlog::info("replica {} leads (epoch {}); running the trigger and reconcile loops",
               options_.replica_id, epoch);
  metrics_.Set("retrain_leader", {{"replica", options_.replica_id}}, 1);
  if (on_change_) on_change_(true);
}

void LeaderElector::StepDown(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (epoch_ == 0) return;
    epoch_ = 0;
  }
  fence_.Set(0);  // first: a write in flight is refused from here on
  spdlog::warn("replica {} no longer leads: {}", options_.replica_id, why);
  metrics_.Set("retrain_leader", {{"replica", options_.replica_id}}, 0);
  if (on_change_) on_change_(false);
}

LeadershipView LeaderElector::View() const {
  std::lock_guard lock(mu_);
  LeadershipView v;
  v.replica_id = options_.replica_id;
  v.leading = epoch_ != 0;
  v.leader = leader_;
  v.epoch = epoch_;
  v.error = error_;
  return v;
}

std::string DefaultReplicaId(const std::string& env_value, int port) {
  if (!env_value.empty()) return env_value;
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == 0)
    return "retrain:" + std::to_string(port);
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace retrain
