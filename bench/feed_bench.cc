// Counting a model's unseen records: the embedded feed's indexed range count, O(new records),
// against the baseline the seed used, a count of records newer than one global timestamp
// (a scan of the feed, since landing times are not indexed), on the same 1,000,000 records.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>

#include "feed/embedded/embedded_feed.h"
#include "sqlite/db.h"

namespace retrain {
namespace {

constexpr int64_t kRecords = 1'000'000;
constexpr int64_t kUnseen = 1'000;

struct Fixture {
  std::string path;
  std::unique_ptr<EmbeddedFeed> feed;
  std::unique_ptr<Db> raw;
  int64_t watermark_ms = 0;
};

Fixture& Get() {
  static Fixture* f = [] {
    auto* fx = new Fixture;
    fx->path = (std::filesystem::temp_directory_path() / "retrain-feed-bench.db").string();
    bool fresh = !std::filesystem::exists(fx->path);
    fx->feed = std::move(*EmbeddedFeed::Open(fx->path));
    if (fresh) {
      std::vector<NewFeedRecord> batch;
      const char* types[] = {"indicator", "malware", "threat-actor"};
      for (int64_t i = 0; i < kRecords; ++i) {
        batch.push_back({"ingest-" + std::to_string(i / 1000), types[i % 3], 1'700'000'000'000 + i,
                         R"({"confidence":50,"severity":3,"label":1})"});
        if (batch.size() == 50'000) {
          (void)fx->feed->Append(batch);
          batch.clear();
        }
      }
    }
    fx->raw = std::move(*Db::Open(fx->path, true));
    fx->watermark_ms = 1'700'000'000'000 + kRecords - kUnseen;
    return fx;
  }();
  return *f;
}

void BM_IndexedUnseenCount(benchmark::State& state) {
  Fixture& f = Get();
  auto head = *f.feed->Head();
  std::string watermark = std::to_string(kRecords - kUnseen);
  for (auto _ : state) {
    auto r = f.feed->CountUnseen(FeedFilter{}, watermark, head);
    benchmark::DoNotOptimize(r);
    if (!r || r->count != kUnseen) state.SkipWithError("wrong count");
  }
}
BENCHMARK(BM_IndexedUnseenCount)->Unit(benchmark::kMicrosecond);

void BM_IndexedUnseenCountFiltered(benchmark::State& state) {
  Fixture& f = Get();
  auto head = *f.feed->Head();
  std::string watermark = std::to_string(kRecords - kUnseen);
  for (auto _ : state) {
    auto r = f.feed->CountUnseen(FeedFilter{{"indicator"}}, watermark, head);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_IndexedUnseenCountFiltered)->Unit(benchmark::kMicrosecond);

void BM_BaselineTimestampScanCount(benchmark::State& state) {
  Fixture& f = Get();
  for (auto _ : state) {
    auto q = f.raw->Prepare("SELECT COUNT(*) FROM records WHERE landed_at > ?");
    (*q)->Bind(1, f.watermark_ms - 1);
    auto row = (*q)->Step();
    if (!row || !*row || (*q)->Int(0) != kUnseen) state.SkipWithError("wrong count");
  }
}
BENCHMARK(BM_BaselineTimestampScanCount)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace retrain

BENCHMARK_MAIN();
