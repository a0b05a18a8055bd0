// The job store's write path: one job's life (create, three events, completion that moves the
// watermark), each step a durable transaction, against the baseline of the same number of bare
// single-row SQLite inserts with the same durability settings (WAL, synchronous=FULL).

#include <benchmark/benchmark.h>

#include <filesystem>

#include "core/ids.h"
#include "core/time.h"
#include "sqlite/db.h"
#include "store/sqlite/sqlite_job_store.h"

namespace retrain {
namespace {

void BM_JobLifecycle(benchmark::State& state) {
  auto path = std::filesystem::temp_directory_path() / "retrain-store-bench.db";
  std::filesystem::remove(path);
  SystemClock clock;
  auto store = std::move(*OpenSqliteJobStore(path.string(), clock));
  int64_t upto = 0;
  std::string watermark;
  for (auto _ : state) {
    Job job;
    job.id = NewJobId();
    job.model_id = "bench";
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
BENCHMARK(BM_JobLifecycle)->Unit(benchmark::kMicrosecond);

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

}  // namespace
}  // namespace retrain

BENCHMARK_MAIN();
