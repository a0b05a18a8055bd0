#include "orchestrator/dependency_health.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

namespace retrain {

bool IsOutage(const Error& error) {
  switch (error.code) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
      return true;
    default:
      return false;
  }
}

DependencyHealth::~DependencyHealth() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (prober_.joinable()) prober_.join();
}

void DependencyHealth::Add(const std::string& name, std::string shown, Probe probe) {
  std::lock_guard lock(mu_);
  State& s = deps_[name];
  s.shown = std::move(shown);
  s.probe = std::move(probe);
  s.last_ms = clock_.NowMs();
}

void DependencyHealth::StartProbing(int64_t interval_ms) {
  std::lock_guard lock(mu_);
  if (prober_.joinable()) return;
  prober_ = std::thread([this, interval_ms] { ProbeLoop(interval_ms); });
}

void DependencyHealth::ProbeLoop(int64_t interval_ms) {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [this] { return stop_; })) {
    std::vector<std::pair<std::string, Probe>> due;
    const int64_t now = clock_.NowMs();
    for (const auto& [name, s] : deps_) {
      if (s.probe && now - s.last_ms >= interval_ms) due.emplace_back(name, s.probe);
    }
    for (const auto& [name, probe] : due) {
      lock.unlock();
      Status outcome = probe();
      Record(name, outcome);
      lock.lock();
      if (stop_) return;
    }
  }
}

void DependencyHealth::Record(const std::string& name, const Status& outcome) {
  std::lock_guard lock(mu_);
  auto it = deps_.find(name);
  if (it == deps_.end()) return;
  State& s = it->second;
  s.last_ms = clock_.NowMs();
  const bool outage = !outcome && IsOutage(outcome.error());
  if (outage == s.down) return;  // no change: nothing to say
  const int64_t now = clock_.NowMs();
  if (outage) {
    s.down = true;
    s.since_ms = now;
    s.cause = outcome.error().message;
    ++outages_;
    spdlog::warn("{} is unavailable: {}; jobs wait and their steps are retried (see /readyz)",
                 s.shown, s.cause);
  } else {
    s.down = false;
    spdlog::info("{} is available again after {}", s.shown, FormatDuration(now - s.since_ms));
    s.cause.clear();
  }
}

std::map<std::string, std::optional<std::string>> DependencyHealth::Snapshot() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::optional<std::string>> out;
  for (const auto& [name, s] : deps_) {
    out[name] = s.down ? std::optional<std::string>(s.cause) : std::nullopt;
  }
  return out;
}

int64_t DependencyHealth::outages() const {
  std::lock_guard lock(mu_);
  return outages_;
}

WatchedTracker::WatchedTracker(Tracker& inner, DependencyHealth& health, std::string shown)
    : inner_(inner), health_(health) {
  health_.Add("tracker", std::move(shown), [&inner] { return inner.Ping(); });
}

Result<std::string> WatchedTracker::EnsureExperiment() { return Seen(inner_.EnsureExperiment()); }

Result<RunRef> WatchedTracker::EnsureRun(const Job& job) { return Seen(inner_.EnsureRun(job)); }

Status WatchedTracker::LogMetrics(const std::string& run_id,
                                  const std::map<std::string, double>& metrics,
                                  int64_t timestamp_ms, int64_t step) {
  return Seen(inner_.LogMetrics(run_id, metrics, timestamp_ms, step));
}

Status WatchedTracker::SetTag(const std::string& run_id, const std::string& key,
                              const std::string& value) {
  return Seen(inner_.SetTag(run_id, key, value));
}

Status WatchedTracker::LogParams(const std::string& run_id,
                                 const std::map<std::string, std::string>& params) {
  return Seen(inner_.LogParams(run_id, params));
}

Status WatchedTracker::EndRun(const std::string& run_id, RunEndStatus status, int64_t end_time_ms) {
  return Seen(inner_.EndRun(run_id, status, end_time_ms));
}

Status WatchedTracker::LogArtifact(const RunRef& run, const std::string& relative_path,
                                   const std::string& content) {
  return Seen(inner_.LogArtifact(run, relative_path, content));
}

WatchedExecutor::WatchedExecutor(Executor& inner, DependencyHealth& health, std::string shown)
    : inner_(inner), health_(health) {
  health_.Add("executor", std::move(shown), [&inner] { return inner.Ping(); });
}

Result<SubmitResult> WatchedExecutor::Submit(const ExecSpec& spec) {
  return Seen(inner_.Submit(spec));
}

// Not recorded: executors answer it from what they watch (the Kubernetes Job watch), so its
// success says nothing about whether the API server can be reached now.
Result<ExecObservation> WatchedExecutor::Observe(const std::string& job_id) {
  return inner_.Observe(job_id);
}

Status WatchedExecutor::Cancel(const std::string& job_id) { return Seen(inner_.Cancel(job_id)); }

}  // namespace retrain
