#pragma once
// A SQLite job store on a temp file, on simulated time, with helpers to make and finish jobs.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "core/ids.h"
#include "core/time.h"
#include "store/sqlite/sqlite_job_store.h"

namespace retrain::testing {

constexpr int64_t kT0 = 1795674600000;  // 2026-11-26T06:30:00.000Z

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "retrain-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/jobs.db";
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Closes the store and opens a new instance on the same file.
  void Reopen() {
    store_.reset();
    auto s = OpenSqliteJobStore(path_, clock_);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    store_ = std::move(*s);
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
    auto j = store_->CreateJob(MakeJob(model, st ? st->watermark : "", upto, records), std::nullopt);
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
  std::string dir_;
  std::string path_;
  std::unique_ptr<JobStore> store_;
};

}  // namespace retrain::testing
