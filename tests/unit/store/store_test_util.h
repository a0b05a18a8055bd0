#pragma once
// The job store contract suite's fixture: every test runs once per backend — SQLite on a temp
// file, and PostgreSQL when RETRAIN_TEST_POSTGRES_URI names a server (tests/integration/postgres
// starts one) — on simulated time, with helpers to make and finish jobs. Each PostgreSQL test
// gets a schema of its own, so tests may run in parallel on one server.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/time.h"
#include "store/job_store.h"

namespace retrain::testing {

constexpr int64_t kT0 = 1795674600000;  // 2026-11-26T06:30:00.000Z

// "sqlite", and "postgres" when RETRAIN_TEST_POSTGRES_URI is set.
std::vector<std::string> StoreBackends();

// A scratch place for one test's store: a temp file, or a fresh schema on the server.
class StoreLocation {
 public:
  virtual ~StoreLocation() = default;
  // Opens a new store instance (its own connections) on the location.
  virtual Result<std::unique_ptr<JobStore>> Open(const Clock& clock) = 0;
  // Runs SQL on the location outside any store (to age a schema, say). Empty = ok, or the error.
  virtual std::string Exec(const std::string& sql) = 0;
  // The file path (SQLite) or connection URI (PostgreSQL) of the location.
  virtual std::string Path() const = 0;
  std::string Uri() const { return Path(); }
};
std::unique_ptr<StoreLocation> MakeStoreLocation(const std::string& backend);

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    location_ = MakeStoreLocation(GetParam());
    ASSERT_NE(location_, nullptr);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    location_.reset();
  }

  bool IsPostgres() const { return GetParam() == "postgres"; }

  // Closes the store and opens a new instance on the same data.
  void Reopen() {
    store_.reset();
    auto s = location_->Open(clock_);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    store_ = std::move(*s);
  }

  // Another store instance on the same data, with its own connection(s): what a second
  // process would see.
  std::unique_ptr<JobStore> OpenAnother() {
    auto s = location_->Open(clock_);
    EXPECT_TRUE(s.has_value()) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  // A job for `model` whose window is (after, upto] with `records` records.
  Job MakeJob(const std::string& model, const std::string& after, const std::string& upto,
              int64_t records = 10) {
    Job j;
    j.id = NewJobId();
    j.model_id = model;
    j.reason = "test";
    j.trigger = TriggerKind::kManual;
    j.window.after = after;
    j.window.upto = upto;
    j.window.records = records;
    j.window.start_ms = clock_.NowMs() - 1000;
    j.window.end_ms = clock_.NowMs() - 10;
    j.window.ingestion_jobs = {{"ingest-1", records}};
    j.scheduled_at_ms = clock_.NowMs();
    j.executor = "local";
    return j;
  }

  // Creates a job on the model's current watermark; fails the test on error.
  Job Create(const std::string& model, const std::string& upto, int64_t records = 10) {
    auto st = store_->GetModelState(model);
    EXPECT_TRUE(st.has_value());
    auto j =
        store_->CreateJob(MakeJob(model, st ? st->watermark : "", upto, records), std::nullopt);
    EXPECT_TRUE(j.has_value()) << j.error().message;
    return j.value_or(Job{});
  }

  // Moves a job to `status` (through scheduled when needed), appending one event per step.
  Result<Job> MoveTo(const std::string& id, JobStatus status) {
    return store_->UpdateJob(id, [&](Job& j, JobUpdate& u) -> Status {
      j.status = status;
      JobEvent ev;
      ev.status = status;
      ev.source = EventSource::kWorker;
      u.events.push_back(ev);
      return {};
    });
  }

  void Finish(const std::string& id, JobStatus terminal) {
    ASSERT_TRUE(MoveTo(id, JobStatus::kScheduled).has_value());
    auto r = MoveTo(id, terminal);
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  FakeClock clock_{kT0};
  std::unique_ptr<StoreLocation> location_;
  std::unique_ptr<JobStore> store_;
};

// Runs every TEST_P of `suite` on each backend, named suite/sqlite and suite/postgres.
#define RETRAIN_STORE_CONTRACT(suite)                                                \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                          \
                           ::testing::ValuesIn(::retrain::testing::StoreBackends()), \
                           [](const auto& info) { return info.param; })

}  // namespace retrain::testing
