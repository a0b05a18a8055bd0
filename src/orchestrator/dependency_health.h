#pragma once
// Whether the services retrain depends on answer, as the calls to them find out; what /readyz
// reports, and what the log says once per outage instead of once per call.
//
// A dependency is down from the first call that fails with an outage (IsOutage: unavailable,
// timed out, or refusing the credentials) until the next call it answers (any other outcome,
// errors included: a 404 is an answer). The start of an outage is logged once, as a warning
// naming the dependency and the first cause; its end once, with how long it lasted.
//
// WatchedTracker and WatchedExecutor wrap a Tracker and an Executor and record the outcome of
// every call. So that an outage shows while no call is made (and its end, while no job needs
// the service), StartProbing pings every dependency that no call has reached for a while, on a
// thread of its own. Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/error.h"
#include "core/time.h"
#include "exec/executor.h"
#include "tracking/tracker.h"

namespace retrain {

// An error that says the service could not be reached or would not serve us, not an answer.
bool IsOutage(const Error& error);

class DependencyHealth {
 public:
  using Probe = std::function<Status()>;
  explicit DependencyHealth(const Clock& clock) : clock_(clock) {}
  ~DependencyHealth();  // stops probing
  DependencyHealth(const DependencyHealth&) = delete;
  DependencyHealth& operator=(const DependencyHealth&) = delete;

  // Registers a dependency as up. `name` is its /readyz key ("tracker"), `shown` how the log
  // names it ("MLflow at http://mlflow:5000"); `probe`, when set, is one cheap call to it.
  void Add(const std::string& name, std::string shown, Probe probe = {});
  // From now on, every `interval_ms`, probes each dependency that no call reached in that time.
  // Probes run on one thread of their own (a slow one delays only the next probes).
  void StartProbing(int64_t interval_ms);
  // The outcome of one call to `name` (unknown names are ignored).
  void Record(const std::string& name, const Status& outcome);
  template <typename T>
  void Record(const std::string& name, const Result<T>& outcome) {
    if (outcome) {
      Record(name, Status{});
    } else {
      Record(name, Status{std::unexpected(outcome.error())});
    }
  }

  // Each dependency: nullopt when up, else the cause of its outage.
  std::map<std::string, std::optional<std::string>> Snapshot() const;
  int64_t outages() const;  // outages started since construction

 private:
  struct State {
    std::string shown;
    bool down = false;
    int64_t since_ms = 0;
    std::string cause;
    int64_t last_ms = 0;  // when a call or probe last told us anything
    Probe probe;
  };
  void ProbeLoop(int64_t interval_ms);

  const Clock& clock_;
  mutable std::mutex mu_;  // guards the members below
  std::map<std::string, State> deps_;
  int64_t outages_ = 0;
  bool stop_ = false;
  std::condition_variable cv_;
  std::thread prober_;
};

class WatchedTracker final : public Tracker {
 public:
  // `inner` and `health` must outlive this; registers "tracker".
  WatchedTracker(Tracker& inner, DependencyHealth& health, std::string shown);
  Result<std::string> EnsureExperiment() override;
  Result<RunRef> EnsureRun(const Job& job) override;
  Status LogMetrics(const std::string& run_id, const std::map<std::string, double>& metrics,
                    int64_t timestamp_ms, int64_t step) override;
  Status SetTag(const std::string& run_id, const std::string& key,
                const std::string& value) override;
  Status LogParams(const std::string& run_id,
                   const std::map<std::string, std::string>& params) override;
  Status EndRun(const std::string& run_id, RunEndStatus status, int64_t end_time_ms) override;
  Status LogArtifact(const RunRef& run, const std::string& relative_path,
                     const std::string& content) override;
  std::string Uri() const override { return inner_.Uri(); }
  Status Ping() override { return Seen(inner_.Ping()); }

 private:
  template <typename R>
  R Seen(R r) {
    health_.Record("tracker", r);
    return r;
  }
  Tracker& inner_;
  DependencyHealth& health_;
};

class WatchedExecutor final : public Executor {
 public:
  // `inner` and `health` must outlive this; registers "executor".
  WatchedExecutor(Executor& inner, DependencyHealth& health, std::string shown);
  std::string Name() const override { return inner_.Name(); }
  Result<SubmitResult> Submit(const ExecSpec& spec) override;
  Result<ExecObservation> Observe(const std::string& job_id) override;
  Status Cancel(const std::string& job_id) override;
  Status Ping() override { return Seen(inner_.Ping()); }

 private:
  template <typename R>
  R Seen(R r) {
    health_.Record("executor", r);
    return r;
  }
  Executor& inner_;
  DependencyHealth& health_;
};

}  // namespace retrain
