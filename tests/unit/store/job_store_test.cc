// The job store contract (store/job_store.h), on every backend: creation, the one-active-job and
// watermark guards, idempotency keys, transitions and events, watermark moves, settings,
// durability.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <variant>
#include <vector>

#include "store_test_util.h"

namespace retrain {
namespace {

using testing::kT0;

class JobStoreTest : public testing::StoreTest {};
RETRAIN_STORE_CONTRACT(JobStoreTest);

std::string DetailString(const Error& e, const std::string& key) {
  for (const auto& [k, v] : e.details)
    if (k == key && std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
  return "<missing " + key + ">";
}

TEST_P(JobStoreTest, CreateInsertsPendingWithFirstEvent) {
  Job in = MakeJob("m", "", "10");
  in.status = JobStatus::kRunning;  // ignored: a new job is pending
  clock_.Advance(5);
  auto job = store_->CreateJob(in, std::nullopt);
  ASSERT_TRUE(job.has_value()) << job.error().message;
  EXPECT_EQ(job->id, in.id);
  EXPECT_EQ(job->status, JobStatus::kPending);
  EXPECT_GT(job->seq, 0);
  EXPECT_EQ(job->updated_at_ms, kT0 + 5);

  auto got = store_->GetJob(in.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, JobStatus::kPending);
  EXPECT_EQ(got->seq, job->seq);

  auto events = store_->ListEvents(in.id);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].seq, 1);
  EXPECT_EQ((*events)[0].status, std::optional<JobStatus>(JobStatus::kPending));
  EXPECT_EQ((*events)[0].at_ms, in.scheduled_at_ms);
  EXPECT_EQ((*events)[0].source, EventSource::kSystem);
}

TEST_P(JobStoreTest, StoredJobKeepsEveryField) {
  Job in = MakeJob("m", "", "42", 42);
  in.reason = "manual backfill";
  in.trigger = TriggerKind::kGraphql;
  in.window.ingestion_jobs = {{"ingest-42", 30}, {"ingest-43", 12}};
  in.kubernetes_job_name = "ml-retrain-m-abc";
  in.kubernetes_namespace = "ml";
  in.mlflow_run_id = "run1";
  in.mlflow_experiment_id = "7";
  in.metrics = {{"auc", 0.93}, {"f1_score", 0.5}};
  in.progress = 0.25;
  in.attempt = 2;
  in.error = "boom";
  in.executor = "kubernetes";
  ASSERT_TRUE(store_->CreateJob(in, std::nullopt).has_value());
  auto got = store_->GetJob(in.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->model_id, "m");
  EXPECT_EQ(got->reason, in.reason);
  EXPECT_EQ(got->trigger, TriggerKind::kGraphql);
  EXPECT_EQ(got->window.after, "");
  EXPECT_EQ(got->window.upto, "42");
  EXPECT_EQ(got->window.records, 42);
  EXPECT_EQ(got->window.start_ms, in.window.start_ms);
  EXPECT_EQ(got->window.end_ms, in.window.end_ms);
  EXPECT_EQ(got->window.ingestion_jobs, in.window.ingestion_jobs);
  EXPECT_EQ(got->scheduled_at_ms, in.scheduled_at_ms);
  EXPECT_EQ(got->kubernetes_job_name, in.kubernetes_job_name);
  EXPECT_EQ(got->kubernetes_namespace, in.kubernetes_namespace);
  EXPECT_EQ(got->mlflow_run_id, in.mlflow_run_id);
  EXPECT_EQ(got->mlflow_experiment_id, in.mlflow_experiment_id);
  EXPECT_EQ(got->metrics, in.metrics);
  EXPECT_EQ(got->progress, in.progress);
  EXPECT_EQ(got->attempt, 2);
  EXPECT_EQ(got->error, in.error);
  EXPECT_EQ(got->executor, "kubernetes");
  EXPECT_FALSE(got->started_at_ms.has_value());
  EXPECT_FALSE(got->completed_at_ms.has_value());
}

TEST_P(JobStoreTest, GetUnknownJob) {
  auto r = store_->GetJob("nope");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().api_code, "job_not_found");
  auto ev = store_->ListEvents("nope");
  ASSERT_FALSE(ev.has_value());
  EXPECT_EQ(ev.error().api_code, "job_not_found");
}

TEST_P(JobStoreTest, SecondActiveJobForTheModelIsRefused) {
  Job first = Create("m", "10");
  for (JobStatus s : {JobStatus::kPending, JobStatus::kScheduled, JobStatus::kRunning}) {
    if (s != JobStatus::kPending) {
      ASSERT_TRUE(MoveTo(first.id, s).has_value());
    }
    auto r = store_->CreateJob(MakeJob("m", "", "20"), std::nullopt);
    ASSERT_FALSE(r.has_value()) << ToString(s);
    EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(r.error().api_code, "job_active");
    EXPECT_EQ(DetailString(r.error(), "jobId"), first.id);
  }
  // Another model is not affected.
  EXPECT_TRUE(store_->CreateJob(MakeJob("other", "", "20"), std::nullopt).has_value());
}

TEST_P(JobStoreTest, WrongWatermarkIsAborted) {
  auto r = store_->CreateJob(MakeJob("m", "5", "10"), std::nullopt);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kAborted);
  EXPECT_EQ(r.error().api_code, "watermark_moved");

  Job j = Create("m", "10");
  Finish(j.id, JobStatus::kCompleted);
  r = store_->CreateJob(MakeJob("m", "", "20"), std::nullopt);  // stale: watermark is now "10"
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kAborted);
  EXPECT_EQ(r.error().api_code, "watermark_moved");
  EXPECT_TRUE(store_->CreateJob(MakeJob("m", "10", "20"), std::nullopt).has_value());
}

TEST_P(JobStoreTest, IdempotencyKeyReplaysTheSameJob) {
  bool replayed = true;
  Job in = MakeJob("m", "", "10");
  auto first = store_->CreateJob(in, std::string("key-1"), &replayed);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_FALSE(replayed);

  // Replays win over job_active: the job created under the key is returned as it is now.
  ASSERT_TRUE(MoveTo(in.id, JobStatus::kScheduled).has_value());
  Job again = MakeJob("m", "", "99");
  auto second = store_->CreateJob(again, std::string("key-1"), &replayed);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_TRUE(replayed);
  EXPECT_EQ(second->id, in.id);
  EXPECT_EQ(second->status, JobStatus::kScheduled);
  EXPECT_EQ(second->window.upto, "10");
  EXPECT_FALSE(store_->GetJob(again.id).has_value());

  auto found = store_->FindByIdempotencyKey("key-1");
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, in.id);
  auto none = store_->FindByIdempotencyKey("key-2");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST_P(JobStoreTest, RefusedCreateDoesNotConsumeTheKey) {
  Job blocker = Create("m", "10");
  auto r = store_->CreateJob(MakeJob("m", "", "10"), std::string("k"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().api_code, "job_active");
  auto found = store_->FindByIdempotencyKey("k");
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
  Finish(blocker.id, JobStatus::kFailed);
  bool replayed = true;
  auto ok = store_->CreateJob(MakeJob("m", "", "10"), std::string("k"), &replayed);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_FALSE(replayed);
}

TEST_P(JobStoreTest, ValidTransitionsAppendEventsInOrder) {
  Job j = Create("m", "10");
  clock_.Advance(100);
  ASSERT_TRUE(MoveTo(j.id, JobStatus::kScheduled).has_value());
  clock_.Advance(100);
  ASSERT_TRUE(MoveTo(j.id, JobStatus::kRunning).has_value());
  clock_.Advance(100);
  auto progress = store_->UpdateJob(j.id, [](Job& job, JobUpdate& u) -> Status {
    job.progress = 0.5;
    JobEvent a, b;
    a.progress = 0.4;
    b.progress = 0.5;
    b.at_ms = 12345;  // explicit times are kept
    b.metrics = {{"loss", 0.25}};
    b.message = "halfway";
    u.events = {a, b};
    return {};
  });
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->progress, std::optional<double>(0.5));
  EXPECT_EQ(progress->updated_at_ms, kT0 + 300);
  clock_.Advance(100);
  ASSERT_TRUE(MoveTo(j.id, JobStatus::kRunning).has_value());  // running -> running
  ASSERT_TRUE(MoveTo(j.id, JobStatus::kCompleted).has_value());

  auto events = store_->ListEvents(j.id);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 7u);
  for (size_t i = 0; i < events->size(); ++i) EXPECT_EQ((*events)[i].seq, int64_t(i + 1));
  EXPECT_EQ((*events)[1].status, std::optional<JobStatus>(JobStatus::kScheduled));
  EXPECT_EQ((*events)[1].at_ms, kT0 + 100);
  EXPECT_EQ((*events)[2].status, std::optional<JobStatus>(JobStatus::kRunning));
  EXPECT_EQ((*events)[3].at_ms, kT0 + 300);
  EXPECT_FALSE((*events)[3].status.has_value());
  EXPECT_EQ((*events)[3].progress, std::optional<double>(0.4));
  EXPECT_EQ((*events)[4].at_ms, 12345);
  EXPECT_EQ((*events)[4].message, std::optional<std::string>("halfway"));
  EXPECT_EQ((*events)[4].metrics, (std::map<std::string, double>{{"loss", 0.25}}));
  EXPECT_EQ((*events)[4].source, EventSource::kSystem);
  EXPECT_EQ((*events)[6].status, std::optional<JobStatus>(JobStatus::kCompleted));
  EXPECT_EQ((*events)[6].source, EventSource::kWorker);

  auto tail = store_->ListEvents(j.id, 5);
  ASSERT_TRUE(tail.has_value());
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ(tail->front().seq, 6);
}

TEST_P(JobStoreTest, InvalidTransitionsAreRefusedWithFromAndTo) {
  struct Case {
    std::vector<JobStatus> path;  // reached through valid steps
    JobStatus to;
  };
  const Case cases[] = {
      {{}, JobStatus::kRunning},
      {{}, JobStatus::kCompleted},
      {{JobStatus::kScheduled}, JobStatus::kPending},
      {{JobStatus::kScheduled, JobStatus::kRunning}, JobStatus::kScheduled},
      {{JobStatus::kScheduled, JobStatus::kCompleted}, JobStatus::kRunning},
      {{JobStatus::kScheduled, JobStatus::kCompleted}, JobStatus::kFailed},
      {{JobStatus::kFailed}, JobStatus::kCompleted},
      {{JobStatus::kCancelled}, JobStatus::kPending},
      {{JobStatus::kCancelled}, JobStatus::kScheduled},
  };
  int n = 0;
  for (const auto& c : cases) {
    std::string model = "m" + std::to_string(n++);
    Job j = Create(model, "10");
    for (JobStatus s : c.path) ASSERT_TRUE(MoveTo(j.id, s).has_value());
    auto before = store_->GetJob(j.id);
    auto events_before = store_->ListEvents(j.id);
    ASSERT_TRUE(before.has_value() && events_before.has_value());
    auto r = MoveTo(j.id, c.to);
    ASSERT_FALSE(r.has_value()) << ToString(before->status) << " -> " << ToString(c.to);
    EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(r.error().api_code, "invalid_transition");
    EXPECT_EQ(DetailString(r.error(), "from"), std::string(ToString(before->status)));
    EXPECT_EQ(DetailString(r.error(), "to"), std::string(ToString(c.to)));
    // Nothing was written.
    auto after = store_->GetJob(j.id);
    auto events_after = store_->ListEvents(j.id);
    ASSERT_TRUE(after.has_value() && events_after.has_value());
    EXPECT_EQ(after->status, before->status);
    EXPECT_EQ(events_after->size(), events_before->size());
  }
}

TEST_P(JobStoreTest, MutateErrorAbortsWithoutWriting) {
  Job j = Create("m", "10");
  auto r = store_->UpdateJob(j.id, [](Job& job, JobUpdate& u) -> Status {
    job.status = JobStatus::kScheduled;
    u.events.push_back(JobEvent{});
    return Fail(ErrorCode::kUnauthenticated, "no", "invalid_token");
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(r.error().api_code, "invalid_token");
  EXPECT_EQ(store_->GetJob(j.id)->status, JobStatus::kPending);
  EXPECT_EQ(store_->ListEvents(j.id)->size(), 1u);
}

TEST_P(JobStoreTest, UpdateUnknownJob) {
  bool called = false;
  auto r = store_->UpdateJob("missing", [&](Job&, JobUpdate&) -> Status {
    called = true;
    return {};
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().api_code, "job_not_found");
  EXPECT_FALSE(called);
}

TEST_P(JobStoreTest, UpdateCannotRenameTheJob) {
  Job j = Create("m", "10");
  auto r = store_->UpdateJob(j.id, [](Job& job, JobUpdate&) -> Status {
    job.id = "other";
    job.model_id = "other-model";
    job.seq = 999;
    return {};
  });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->id, j.id);
  EXPECT_EQ(r->model_id, "m");
  EXPECT_EQ(r->seq, j.seq);
}

TEST_P(JobStoreTest, CompletionMovesTheWatermarkInTheSameUpdate) {
  auto st = store_->GetModelState("m");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->watermark, "");
  EXPECT_FALSE(st->watermark_landed_ms.has_value());

  Job j = Create("m", "10");
  ASSERT_TRUE(MoveTo(j.id, JobStatus::kScheduled).has_value());
  ASSERT_TRUE(MoveTo(j.id, JobStatus::kRunning).has_value());
  EXPECT_EQ(store_->GetModelState("m")->watermark, "");
  ASSERT_TRUE(MoveTo(j.id, JobStatus::kCompleted).has_value());
  st = store_->GetModelState("m");
  EXPECT_EQ(st->watermark, "10");
  EXPECT_EQ(st->watermark_landed_ms, j.window.end_ms);
  EXPECT_EQ(store_->GetModelState("other")->watermark, "");
}

TEST_P(JobStoreTest, FailureAndCancelKeepTheWatermark) {
  Job a = Create("m", "10");
  Finish(a.id, JobStatus::kCompleted);
  Job b = Create("m", "20");
  Finish(b.id, JobStatus::kFailed);
  EXPECT_EQ(store_->GetModelState("m")->watermark, "10");
  Job c = Create("m", "30");
  EXPECT_EQ(c.window.after, "10");
  ASSERT_TRUE(MoveTo(c.id, JobStatus::kCancelled).has_value());
  EXPECT_EQ(store_->GetModelState("m")->watermark, "10");
  Job d = Create("m", "40");
  EXPECT_EQ(d.window.after, "10");
}

TEST_P(JobStoreTest, RepeatedCompletionDoesNotMoveTheWatermarkAgain) {
  Job a = Create("m", "10");
  Finish(a.id, JobStatus::kCompleted);
  Job b = Create("m", "20");
  Finish(b.id, JobStatus::kCompleted);
  // An update of the older completed job (e.g. tracker bookkeeping) leaves the watermark.
  auto r = store_->UpdateJob(a.id, [](Job& j, JobUpdate&) -> Status {
    j.tracking_finalized = true;
    return {};
  });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(store_->GetModelState("m")->watermark, "20");
}

TEST_P(JobStoreTest, SettingsKeepTheFirstValue) {
  auto none = store_->GetSetting("callback_secret");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  auto a = store_->PutSettingIfAbsent("callback_secret", "first");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a, "first");
  auto b = store_->PutSettingIfAbsent("callback_secret", "second");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, "first");
  EXPECT_EQ(store_->GetSetting("callback_secret")->value_or(""), "first");
}

TEST_P(JobStoreTest, ReopeningKeepsEverything) {
  Job a = Create("m", "10");
  Finish(a.id, JobStatus::kCompleted);
  Job b = MakeJob("m", "10", "20");
  ASSERT_TRUE(store_->CreateJob(b, std::string("idem")).has_value());
  ASSERT_TRUE(MoveTo(b.id, JobStatus::kScheduled).has_value());
  ASSERT_TRUE(store_->PutSettingIfAbsent("s", "v").has_value());
  int64_t b_seq = store_->GetJob(b.id)->seq;

  Reopen();

  auto ga = store_->GetJob(a.id);
  ASSERT_TRUE(ga.has_value());
  EXPECT_EQ(ga->status, JobStatus::kCompleted);
  EXPECT_EQ(store_->ListEvents(a.id)->size(), 3u);
  auto gb = store_->GetJob(b.id);
  ASSERT_TRUE(gb.has_value());
  EXPECT_EQ(gb->status, JobStatus::kScheduled);
  EXPECT_EQ(store_->GetModelState("m")->watermark, "10");
  EXPECT_EQ(store_->GetSetting("s")->value_or(""), "v");
  EXPECT_EQ((*store_->FindByIdempotencyKey("idem"))->id, b.id);
  auto active = store_->ActiveJob("m");
  ASSERT_TRUE(active.has_value() && active->has_value());
  EXPECT_EQ((*active)->id, b.id);
  // The one-active-job rule and sequence numbers continue across the reopen.
  auto refused = store_->CreateJob(MakeJob("m", "10", "30"), std::nullopt);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().api_code, "job_active");
  Job c = Create("n", "5");
  EXPECT_GT(c.seq, b_seq);
  EXPECT_TRUE(store_->Ping().has_value());
}

TEST_P(JobStoreTest, TwentyThreadsRaceForOneModel) {
  std::atomic<int> ok{0}, active{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] {
      auto r = store_->CreateJob(MakeJob("m", "", "10"), std::nullopt);
      if (r)
        ++ok;
      else if (r.error().api_code == "job_active")
        ++active;
      else
        ++other;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(active.load(), 19);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(store_->ListActiveJobs()->size(), 1u);
}

// Several store instances (each with its own connections) behave like several processes.
TEST_P(JobStoreTest, RaceAcrossStoreInstances) {
  std::vector<std::unique_ptr<JobStore>> stores;
  for (int i = 0; i < 4; ++i) {
    stores.push_back(OpenAnother());
    ASSERT_NE(stores.back(), nullptr);
  }
  std::atomic<int> ok{0}, active{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    JobStore* s = stores[i % stores.size()].get();
    Job job = MakeJob("m", "", "10");
    threads.emplace_back([&, s, job] {
      auto r = s->CreateJob(job, std::nullopt);
      if (r)
        ++ok;
      else if (r.error().api_code == "job_active")
        ++active;
      else
        ++other;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(active.load(), 19);
  EXPECT_EQ(other.load(), 0);
}

// One idempotency key sent to several instances at once (different models, so that the
// one-active-job rule does not decide it): one job is created, every other call replays it.
TEST_P(JobStoreTest, SameIdempotencyKeyAcrossStoreInstancesMakesOneJob) {
  std::vector<std::unique_ptr<JobStore>> stores;
  for (int i = 0; i < 4; ++i) {
    stores.push_back(OpenAnother());
    ASSERT_NE(stores.back(), nullptr);
  }
  std::atomic<int> created{0}, replays{0}, other{0};
  std::vector<std::string> ids(12);
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    JobStore* s = stores[i % stores.size()].get();
    Job job = MakeJob("model-" + std::to_string(i % 3), "", "10");
    threads.emplace_back([&, s, job, i] {
      bool replayed = false;
      auto r = s->CreateJob(job, std::string("key-1"), &replayed);
      if (!r) {
        ++other;
        return;
      }
      ids[i] = r->id;
      if (replayed)
        ++replays;
      else
        ++created;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(replays.load(), 11);
  EXPECT_EQ(other.load(), 0);
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  auto all = store_->ListJobs(JobFilter{});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->jobs.size(), 1u);
}

TEST_P(JobStoreTest, NewerSchemaIsRefused) {
  store_.reset();
  std::string err = IsPostgres() ? location_->Exec("INSERT INTO retrain_schema VALUES (99)")
                                 : location_->Exec("PRAGMA user_version = 99");
  ASSERT_EQ(err, "");
  auto s = location_->Open(clock_);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.error().api_code, "schema_too_new");
  EXPECT_NE(s.error().message.find("99"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace retrain

namespace retrain {
namespace {

// Concurrent writers share transactions (group commit); none of their updates is lost, events
// stay numbered 1, 2, 3 ... per job, and a writer whose update is refused leaves the others'
// updates in the same group intact.
TEST_P(JobStoreTest, ConcurrentWritersLoseNothing) {
  constexpr int kThreads = 12;
  constexpr int kEvents = 40;
  std::vector<std::string> ids;
  for (int t = 0; t < kThreads; ++t) ids.push_back(Create("model-" + std::to_string(t), "10").id);
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEvents; ++i) {
        auto r = store_->UpdateJob(ids[t], [&](Job& j, JobUpdate& u) -> Status {
          j.progress = i / 100.0;
          JobEvent e;
          e.progress = j.progress;
          u.events.push_back(e);
          return {};
        });
        ASSERT_TRUE(r.has_value()) << r.error().message;
        // Interleave refused updates: pending -> completed is not a transition.
        auto bad = store_->UpdateJob(ids[t], [](Job& j, JobUpdate& u) -> Status {
          j.status = JobStatus::kCompleted;
          JobEvent e;
          e.status = JobStatus::kCompleted;
          u.events.push_back(e);
          return {};
        });
        if (!bad && bad.error().api_code == "invalid_transition") ++refused;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(refused.load(), kThreads * kEvents);
  for (const auto& id : ids) {
    auto events = store_->ListEvents(id);
    ASSERT_TRUE(events.has_value());
    ASSERT_EQ(events->size(), static_cast<size_t>(kEvents + 1));  // + the creation event
    for (size_t i = 0; i < events->size(); ++i)
      EXPECT_EQ((*events)[i].seq, static_cast<int64_t>(i + 1));
    auto job = store_->GetJob(id);
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->status, JobStatus::kPending);
    EXPECT_DOUBLE_EQ(*job->progress, (kEvents - 1) / 100.0);
  }
}

}  // namespace
}  // namespace retrain
