#include "orchestrator/dependency_health.h"

#include <spdlog/spdlog.h>

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

void DependencyHealth::Add(const std::string& name, std::string shown) {
  std::lock_guard lock(mu_);
  deps_[name].shown = std::move(shown);
}

void DependencyHealth::Record(const std::string& name, const Status& outcome) {
  std::lock_guard lock(mu_);
  auto it = deps_.find(name);
  if (it == deps_.end()) return;
  State& s = it->second;
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
  health_.Add("tracker", std::move(shown));
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
  health_.Add("executor", std::move(shown));
}

Result<SubmitResult> WatchedExecutor::Submit(const ExecSpec& spec) {
  return Seen(inner_.Submit(spec));
}

Result<ExecObservation> WatchedExecutor::Observe(const std::string& job_id) {
  return Seen(inner_.Observe(job_id));
}

Status WatchedExecutor::Cancel(const std::string& job_id) { return Seen(inner_.Cancel(job_id)); }

}  // namespace retrain
