// Copying a SQLite store into PostgreSQL (what `retrain store copy` does): every job, event,
// watermark, idempotency key, setting and promotion arrives unchanged, a non-empty target is
// refused unless replaced, and the copied store keeps working (sequence numbers continue, the
// one-active-job rule holds). Runs on the server RETRAIN_TEST_POSTGRES_URI names.

#include <gtest/gtest.h>

#include "store/job_codec.h"
#include "store/postgres/postgres_import.h"
#include "store/sqlite/sqlite_export.h"
#include "store_test_util.h"

namespace retrain {
namespace {

using testing::kT0;

class StoreCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::getenv("RETRAIN_TEST_POSTGRES_URI")) {
      GTEST_SKIP() << "RETRAIN_TEST_POSTGRES_URI is not set (tests/integration/postgres sets it)";
    }
    sqlite_ = testing::MakeStoreLocation("sqlite");
    pg_ = testing::MakeStoreLocation("postgres");
    auto s = sqlite_->Open(clock_);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    source_ = std::move(*s);
  }

  // The PostgreSQL location's URI is private to it; a store opened there tells the options.
  PostgresStoreOptions Target() {
    PostgresStoreOptions o;
    o.uri = pg_->Uri();
    return o;
  }

  Job NewJob(const std::string& model, const std::string& after, const std::string& upto) {
    Job j;
    j.id = NewJobId();
    j.model_id = model;
    j.trigger = TriggerKind::kAutomatic;
    j.window.after = after;
    j.window.upto = upto;
    j.window.records = 5;
    j.window.end_ms = kT0 - 5;
    j.scheduled_at_ms = clock_.NowMs();
    j.executor = "local";
    return j;
  }

  FakeClock clock_{kT0};
  std::unique_ptr<testing::StoreLocation> sqlite_, pg_;
  std::unique_ptr<JobStore> source_;
};

TEST_F(StoreCopyTest, CopiesEverythingAndTheCopyKeepsWorking) {
  Job a = *source_->CreateJob(NewJob("m", "", "10"), std::string("key-a"));
  auto step = [&](const std::string& id, JobStatus st, std::optional<double> progress) {
    return source_->UpdateJob(id, [&](Job& j, JobUpdate& u) -> Status {
      j.status = st;
      j.progress = progress;
      JobEvent e;
      e.status = st;
      e.progress = progress;
      e.metrics = {{"auc", 0.875}};
      e.message = "step";
      e.source = EventSource::kWorker;
      u.events.push_back(e);
      return {};
    });
  };
  ASSERT_TRUE(step(a.id, JobStatus::kScheduled, std::nullopt));
  ASSERT_TRUE(step(a.id, JobStatus::kRunning, 0.3333333333333333));
  ASSERT_TRUE(step(a.id, JobStatus::kCompleted, 1.0));
  Job b = *source_->CreateJob(NewJob("m", "10", "20"), std::nullopt);
  ASSERT_TRUE(source_->PutSettingIfAbsent("callback_secret", "s3cret"));
  Promotion p;
  p.model_id = "m";
  p.version = "1";
  p.at_ms = kT0;
  p.reason = "first";
  p.job_id = a.id;
  ASSERT_TRUE(source_->AppendPromotion(p));

  auto dump = ExportSqliteStore(sqlite_->Path(), clock_);
  ASSERT_TRUE(dump.has_value()) << dump.error().message;
  auto counts = ImportIntoPostgres(Target(), clock_, *dump, false);
  ASSERT_TRUE(counts.has_value()) << counts.error().message;
  EXPECT_EQ(*counts, CountsOf(*dump));
  EXPECT_EQ(counts->jobs, 2);
  EXPECT_EQ(counts->events, 5);
  EXPECT_EQ(counts->idempotency_keys, 1);

  auto copy = pg_->Open(clock_);
  ASSERT_TRUE(copy.has_value()) << copy.error().message;
  JobStore& t = **copy;
  for (const Job& j : {a, b}) {
    auto src = source_->GetJob(j.id);
    auto dst = t.GetJob(j.id);
    ASSERT_TRUE(src && dst);
    EXPECT_EQ(EncodeJob(*dst), EncodeJob(*src));
    EXPECT_EQ(dst->seq, src->seq);
    auto se = source_->ListEvents(j.id);
    auto de = t.ListEvents(j.id);
    ASSERT_TRUE(se && de);
    ASSERT_EQ(de->size(), se->size());
    for (size_t i = 0; i < se->size(); ++i) {
      EXPECT_EQ((*de)[i].seq, (*se)[i].seq);
      EXPECT_EQ((*de)[i].at_ms, (*se)[i].at_ms);
      EXPECT_EQ((*de)[i].status, (*se)[i].status);
      EXPECT_EQ((*de)[i].progress, (*se)[i].progress);
      EXPECT_EQ((*de)[i].message, (*se)[i].message);
      EXPECT_EQ((*de)[i].metrics, (*se)[i].metrics);
      EXPECT_EQ((*de)[i].source, (*se)[i].source);
    }
  }
  EXPECT_EQ(t.GetModelState("m")->watermark, "10");
  EXPECT_EQ(t.GetModelState("m")->watermark_landed_ms,
            source_->GetModelState("m")->watermark_landed_ms);
  EXPECT_EQ((*t.FindByIdempotencyKey("key-a"))->id, a.id);
  EXPECT_EQ(t.GetSetting("callback_secret")->value_or(""), "s3cret");
  auto promos = t.ListPromotions("m", 10);
  ASSERT_TRUE(promos && promos->size() == 1u);
  EXPECT_EQ((*promos)[0].job_id, a.id);
  // The copy goes on: b is still the active job, and new jobs number after the copied ones.
  auto refused = t.CreateJob(NewJob("m", "10", "30"), std::nullopt);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().api_code, "job_active");
  auto c = t.CreateJob(NewJob("n", "", "5"), std::nullopt);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_GT(c->seq, b.seq);
  bool appended = true;
  ASSERT_TRUE(t.AppendPromotion(p, &appended));
  EXPECT_FALSE(appended);  // one entry per job, across the copy
}

TEST_F(StoreCopyTest, NonEmptyTargetIsRefusedUnlessReplaced) {
  ASSERT_TRUE(source_->CreateJob(NewJob("m", "", "10"), std::nullopt));
  auto target = pg_->Open(clock_);
  ASSERT_TRUE(target.has_value());
  ASSERT_TRUE((*target)->CreateJob(NewJob("other", "", "1"), std::nullopt));

  auto dump = ExportSqliteStore(sqlite_->Path(), clock_);
  ASSERT_TRUE(dump.has_value());
  auto refused = ImportIntoPostgres(Target(), clock_, *dump, false);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().api_code, "target_not_empty");
  EXPECT_EQ((*target)->ListJobs(JobFilter{})->jobs.size(), 1u);  // left as it was

  auto replaced = ImportIntoPostgres(Target(), clock_, *dump, true);
  ASSERT_TRUE(replaced.has_value()) << replaced.error().message;
  EXPECT_EQ(replaced->jobs, 1);
  auto jobs = (*target)->ListJobs(JobFilter{});
  ASSERT_TRUE(jobs.has_value());
  ASSERT_EQ(jobs->jobs.size(), 1u);
  EXPECT_EQ(jobs->jobs[0].model_id, "m");
}

TEST_F(StoreCopyTest, MissingSourceIsNotFound) {
  auto dump = ExportSqliteStore(sqlite_->Path() + ".missing", clock_);
  ASSERT_FALSE(dump.has_value());
  EXPECT_EQ(dump.error().api_code, "store_not_found");
}

}  // namespace
}  // namespace retrain
