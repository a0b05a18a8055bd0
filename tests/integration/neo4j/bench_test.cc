// Figures (reported, not asserted): Scan throughput and the cost of unseen counts for many
// models. Disabled by default; bench.sh runs it with --gtest_also_run_disabled_tests.
// NEO4J_BENCH_RECORDS entities (default 100000) must already be in the feed (bench.sh writes
// them); NEO4J_BENCH_MODELS models (default 50) each count with their own entity filter.
#include <gtest/gtest.h>

#include <chrono>

#include "feed/neo4j/neo4j_feed.h"
#include "integration_env.h"

namespace retrain {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

TEST(Bench, DISABLED_ScanAndCountFigures) {
  using testenv::Env;
  const int64_t records = std::stoll(Env("NEO4J_BENCH_RECORDS").empty() ? "100000"
                                                                        : Env("NEO4J_BENCH_RECORDS"));
  const int models = std::stoi(Env("NEO4J_BENCH_MODELS").empty() ? "50" : Env("NEO4J_BENCH_MODELS"));
  Neo4jFeedOptions o;
  o.uri = Env("NEO4J_URI");
  o.user = Env("NEO4J_USER");
  o.password = Env("NEO4J_PASSWORD");
  o.fetch_size = 1000;
  auto feed = Neo4jFeed::Create(o);
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  auto head = (*feed)->Head();
  ASSERT_TRUE(head.has_value());

  for (int round = 0; round < 2; ++round) {  // the first round warms the page cache
    auto t0 = std::chrono::steady_clock::now();
    int64_t n = 0, bytes = 0;
    auto s = (*feed)->Scan({}, "", *head, [&](const FeedRecord& r) {
      ++n;
      bytes += static_cast<int64_t>(r.payload_json.size());
      return true;
    });
    ASSERT_TRUE(s.has_value()) << s.error().message;
    double secs = Seconds(t0);
    EXPECT_EQ(n, records);
    std::printf("FIGURE scan_cpp round=%d records=%lld seconds=%.3f records_per_second=%.0f\n",
                round, static_cast<long long>(n), secs, n / secs);
  }

  // Unseen counts: one per model, each with its own entity-type filter, over the whole feed.
  auto t0 = std::chrono::steady_clock::now();
  int64_t total = 0;
  for (int m = 0; m < models; ++m) {
    FeedFilter f{{"type-" + std::to_string(m % 10)}};
    auto c = (*feed)->CountUnseen(f, "", *head);
    ASSERT_TRUE(c.has_value()) << c.error().message;
    total += c->count;
  }
  double secs = Seconds(t0);
  std::printf("FIGURE count_models models=%d window=%lld seconds=%.3f ms_per_count=%.1f\n", models,
              static_cast<long long>(records), secs, secs * 1000 / models);
  EXPECT_EQ(total, records * models / 10);
  // And the cheap case the trigger loop mostly sees: a small unseen window at the head.
  t0 = std::chrono::steady_clock::now();
  auto near = (*feed)->Head();
  for (int m = 0; m < models; ++m) {
    auto c = (*feed)->CountUnseen({}, *near, *near);
    ASSERT_TRUE(c.has_value());
  }
  std::printf("FIGURE head_plus_empty_counts models=%d seconds=%.3f\n", models, Seconds(t0));
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*feed)->Head().has_value());
  std::printf("FIGURE head ms_per_call=%.2f\n", Seconds(t0) * 1000 / 20);
}

}  // namespace
}  // namespace retrain
