// The job store's write path: one job's life (create, three events, completion that moves the
// watermark), each step a durable transaction, against the baseline of the same number of bare
// single-row SQLite inserts with the same durability settings (WAL, synchronous=FULL).

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "core/time.h"
#include "sqlite/db.h"
#include "store/postgres/postgres_job_store.h"
#include "store/sqlite/sqlite_job_store.h"

namespace retrain {
namespace {

void RunLifecycles(benchmark::State& state, JobStore* store, const Clock& clock) {
  int64_t upto = 0;
  std::string watermark;
  const std::string model = NewJobId();  // a fresh model: the watermark starts empty
  for (auto _ : state) {
    Job job;
    job.id = NewJobId();
    job.model_id = "bench-" + model;
    job.window.after = watermark;
    job.window.upto = std::to_string(upto += 50);
    job.window.records = 50;
    job.scheduled_at_ms = clock.NowMs();
    job.executor = "local";
    auto created = store->CreateJob(job, std::nullopt);
    if (!created) {
      state.SkipWithError(created.error().message.c_str());
      break;
    }
    for (auto target : {JobStatus::kScheduled, JobStatus::kRunning, JobStatus::kCompleted}) {
      auto r = store->UpdateJob(job.id, [&](Job& j, JobUpdate& u) -> Status {
        j.status = target;
        JobEvent e;
        e.status = target;
        u.events.push_back(e);
        return {};
      });
      if (!r) state.SkipWithError(r.error().message.c_str());
    }
    watermark = job.window.upto;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_JobLifecycle(benchmark::State& state) {
  auto path = std::filesystem::temp_directory_path() / "retrain-store-bench.db";
  std::filesystem::remove(path);
  SystemClock clock;
  auto store = std::move(*OpenSqliteJobStore(path.string(), clock));
  RunLifecycles(state, store.get(), clock);
}
BENCHMARK(BM_JobLifecycle)->Unit(benchmark::kMicrosecond);

// The same life on PostgreSQL (RETRAIN_BENCH_POSTGRES_URI; scripts/run-bench starts a server
// with fsync on, so each commit is durable as on SQLite). Over loopback TCP.
void BM_JobLifecyclePostgres(benchmark::State& state) {
  const char* uri = std::getenv("RETRAIN_BENCH_POSTGRES_URI");
  if (!uri || !*uri) {
    state.SkipWithError("RETRAIN_BENCH_POSTGRES_URI is not set");
    return;
  }
  SystemClock clock;
  PostgresStoreOptions o;
  o.uri = uri;
  auto store = OpenPostgresJobStore(o, clock);
  if (!store) {
    state.SkipWithError(store.error().message.c_str());
    return;
  }
  RunLifecycles(state, store->get(), clock);
}
BENCHMARK(BM_JobLifecyclePostgres)->Unit(benchmark::kMicrosecond);

void BM_BaselineFourBareInserts(benchmark::State& state) {
  auto path = std::filesystem::temp_directory_path() / "retrain-store-baseline.db";
  std::filesystem::remove(path);
  auto db = std::move(*Db::Open(path.string()));
  (void)db->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  for (auto _ : state) {
    for (int i = 0; i < 4; ++i) {
      auto q = db->Prepare("INSERT INTO t (v) VALUES (?)");
      (*q)->Bind(1, "x");
      (void)(*q)->Run();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BaselineFourBareInserts)->Unit(benchmark::kMicrosecond);

// Many workers reporting progress at once: each benchmark thread owns a running job and posts
// durable progress events. Argument: the store's group size (1 = a transaction per event, the
// baseline; 64 = group commit).
std::unique_ptr<JobStore> g_store;
std::vector<std::string> g_ids;
SystemClock g_clock;

// One scheduled job per benchmark thread in g_store.
void AddConcurrentJobs(const benchmark::State& state) {
  g_ids.clear();
  for (int t = 0; t < state.threads(); ++t) {
    Job job;
    job.id = NewJobId();
    job.model_id = "bench-" + std::to_string(t) + "-" + job.id;  // fresh on a reused database
    job.window.upto = "10";
    job.window.records = 10;
    job.scheduled_at_ms = g_clock.NowMs();
    job.executor = "local";
    (void)g_store->CreateJob(job, std::nullopt);
    (void)g_store->UpdateJob(job.id, [](Job& j, JobUpdate&) -> Status {
      j.status = JobStatus::kScheduled;
      return {};
    });
    g_ids.push_back(job.id);
  }
}

// Once per run, before its threads start: a fresh store and one scheduled job per thread.
void SetUpConcurrent(const benchmark::State& state) {
  auto path = std::filesystem::temp_directory_path() / "retrain-store-concurrent.db";
  g_store.reset();
  std::filesystem::remove(path);
  g_store =
      std::move(*OpenSqliteJobStore(path.string(), g_clock, static_cast<size_t>(state.range(0))));
  AddConcurrentJobs(state);
}

// The same on PostgreSQL, one pooled connection per thread (RETRAIN_BENCH_POSTGRES_URI); the
// store stays null without a server, and the benchmark then skips.
void SetUpConcurrentPostgres(const benchmark::State& state) {
  g_store.reset();
  const char* uri = std::getenv("RETRAIN_BENCH_POSTGRES_URI");
  if (!uri || !*uri) return;
  PostgresStoreOptions o;
  o.uri = uri;
  o.pool_size = static_cast<size_t>(state.threads());
  auto store = OpenPostgresJobStore(o, g_clock);
  if (!store) return;
  g_store = std::move(*store);
  AddConcurrentJobs(state);
}

void BM_ConcurrentProgressEvents(benchmark::State& state) {
  if (!g_store) {
    state.SkipWithError("no store (RETRAIN_BENCH_POSTGRES_URI is not set or unreachable)");
    return;
  }
  const std::string id = g_ids[static_cast<size_t>(state.thread_index())];
  double p = 0;
  for (auto _ : state) {
    auto r = g_store->UpdateJob(id, [&](Job& j, JobUpdate& u) -> Status {
      j.status = JobStatus::kRunning;
      j.progress = p = p < 1 ? p + 0.001 : 0;
      JobEvent e;
      e.progress = j.progress;
      u.events.push_back(e);
      return {};
    });
    if (!r) state.SkipWithError(r.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConcurrentProgressEvents)
    ->Setup(SetUpConcurrent)
    ->Arg(1)
    ->Arg(64)
    ->Threads(8)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ConcurrentProgressEvents)
    ->Name("BM_ConcurrentProgressEventsPostgres")
    ->Setup(SetUpConcurrentPostgres)
    ->Threads(8)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace retrain

BENCHMARK_MAIN();
