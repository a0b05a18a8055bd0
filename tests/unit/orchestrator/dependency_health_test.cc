// DependencyHealth: an outage starts at the first call that cannot reach the service and ends at
// the next one it answers; each start and end is said once, whatever the number of calls.
#include "orchestrator/dependency_health.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <sstream>
#include <thread>

namespace retrain {
namespace {

// Captures the default logger's lines for the test's lifetime.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%l %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }
  size_t Count(const std::string& needle) const {
    size_t n = 0;
    const std::string t = text();
    for (size_t at = t.find(needle); at != std::string::npos; at = t.find(needle, at + 1)) ++n;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

Status Down(const std::string& why) { return Fail(ErrorCode::kUnavailable, why); }

TEST(DependencyHealth, AnOutageIsSaidOnceAndItsEndOnce) {
  LogCapture log;
  FakeClock clock(1'000);
  DependencyHealth health(clock);
  health.Add("tracker", "MLflow at http://mlflow:5000");
  EXPECT_FALSE(health.Snapshot().at("tracker").has_value());

  for (int i = 0; i < 50; ++i)
    health.Record("tracker", Down("connection refused " + std::to_string(i)));
  auto snap = health.Snapshot();
  ASSERT_TRUE(snap.at("tracker").has_value());
  EXPECT_EQ(*snap.at("tracker"), "connection refused 0");  // the first cause is kept
  clock.Advance(12'000);
  health.Record("tracker", Status{});
  health.Record("tracker", Status{});
  EXPECT_FALSE(health.Snapshot().at("tracker").has_value());

  EXPECT_EQ(log.Count("MLflow at http://mlflow:5000 is unavailable: connection refused 0"), 1u)
      << log.text();
  EXPECT_EQ(log.Count("is unavailable"), 1u) << log.text();
  EXPECT_EQ(log.Count("MLflow at http://mlflow:5000 is available again after 12s"), 1u)
      << log.text();
  EXPECT_EQ(health.outages(), 1);
}

TEST(DependencyHealth, AnswersThatAreErrorsAreNotOutages) {
  FakeClock clock(0);
  DependencyHealth health(clock);
  health.Add("executor", "the kubernetes executor");
  health.Record("executor", Status{Fail(ErrorCode::kNotFound, "no such job")});
  health.Record("executor", Status{Fail(ErrorCode::kInvalidArgument, "bad manifest")});
  EXPECT_FALSE(health.Snapshot().at("executor").has_value());
  health.Record("executor", Status{Fail(ErrorCode::kDeadlineExceeded, "timed out")});
  EXPECT_EQ(*health.Snapshot().at("executor"), "timed out");
  health.Record("executor", Status{Fail(ErrorCode::kNotFound, "no such job")});  // answered
  EXPECT_FALSE(health.Snapshot().at("executor").has_value());
  health.Record("executor", Status{Fail(ErrorCode::kUnauthenticated, "token rejected")});
  EXPECT_TRUE(health.Snapshot().at("executor").has_value());
  EXPECT_EQ(health.outages(), 2);
  health.Record("unknown", Down("x"));  // ignored
  EXPECT_EQ(health.Snapshot().size(), 1u);
}

// A tracker whose every call fails or succeeds as told.
class SwitchTracker final : public Tracker {
 public:
  bool up = true;
  Result<std::string> EnsureExperiment() override { return Answer<std::string>("1"); }
  Result<RunRef> EnsureRun(const Job&) override { return Answer<RunRef>(RunRef{"1", "r", ""}); }
  Status LogMetrics(const std::string&, const std::map<std::string, double>&, int64_t,
                    int64_t) override {
    return Answer();
  }
  Status SetTag(const std::string&, const std::string&, const std::string&) override {
    return Answer();
  }
  Status LogParams(const std::string&, const std::map<std::string, std::string>&) override {
    return Answer();
  }
  Status EndRun(const std::string&, RunEndStatus, int64_t) override { return Answer(); }
  Status LogArtifact(const RunRef&, const std::string&, const std::string&) override {
    return Answer();
  }
  std::string Uri() const override { return "http://mlflow"; }

 private:
  template <typename T>
  Result<T> Answer(T value) {
    if (!up) return Fail(ErrorCode::kUnavailable, "MLflow: connection refused");
    return value;
  }
  Status Answer() {
    if (!up) return Fail(ErrorCode::kUnavailable, "MLflow: connection refused");
    return {};
  }
};

TEST(DependencyHealth, WatchedTrackerPassesResultsThroughAndRecordsThem) {
  FakeClock clock(0);
  DependencyHealth health(clock);
  SwitchTracker inner;
  WatchedTracker tracker(inner, health, "MLflow at http://mlflow");
  EXPECT_EQ(tracker.Uri(), "http://mlflow");
  ASSERT_TRUE(tracker.EnsureRun(Job{}));
  inner.up = false;
  auto run = tracker.EnsureRun(Job{});
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(*health.Snapshot().at("tracker"), "MLflow: connection refused");
  inner.up = true;
  EXPECT_TRUE(tracker.SetTag("r", "k", "v"));
  EXPECT_FALSE(health.Snapshot().at("tracker").has_value());
}

}  // namespace
}  // namespace retrain

namespace retrain {
namespace {

// With no calls at all, the prober finds an outage and its end.
TEST(DependencyHealth, ProbingSeesAnOutageWithoutCalls) {
  SystemClock clock;
  DependencyHealth health(clock);
  std::atomic<bool> up{true};
  std::atomic<int> probes{0};
  health.Add("executor", "the kubernetes executor", [&]() -> Status {
    ++probes;
    if (!up) return Fail(ErrorCode::kUnavailable, "connection refused");
    return {};
  });
  health.StartProbing(20);
  auto wait = [&](bool down) {
    for (int i = 0; i < 500; ++i) {
      if (health.Snapshot().at("executor").has_value() == down) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  };
  up = false;
  ASSERT_TRUE(wait(true));
  EXPECT_EQ(*health.Snapshot().at("executor"), "connection refused");
  up = true;
  ASSERT_TRUE(wait(false));
  EXPECT_GE(probes.load(), 2);
  EXPECT_EQ(health.outages(), 1);
}

}  // namespace
}  // namespace retrain
