// Figures (reported, not asserted): Scan throughput and the cost of unseen counts for many
// models. Disabled by default; bench.sh runs it with --gtest_also_run_disabled_tests.
// NEO4J_BENCH_RECORDS entities (default 100000) must already be in the feed (bench.sh writes
// them); NEO4J_BENCH_MODELS models (default 50) each count with their own entity filter, one
// call per model for NEO4J_BENCH_LOOP_MODELS of them (default 10) and all in one
// CountUnseenMany.
#include <gtest/gtest.h>

#include <algorithm>
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
  const int64_t records =
      std::stoll(Env("NEO4J_BENCH_RECORDS").empty() ? "100000" : Env("NEO4J_BENCH_RECORDS"));
  const int models =
      std::stoi(Env("NEO4J_BENCH_MODELS").empty() ? "50" : Env("NEO4J_BENCH_MODELS"));
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

  // Unseen counts for many models, each with its own entity-type filter, every window being
  // the whole feed (models that never trained): one CountUnseen per model for a sample of
  // NEO4J_BENCH_LOOP_MODELS, then all models in one CountUnseenMany.
  const int loop_models = std::min(
      models,
      std::stoi(Env("NEO4J_BENCH_LOOP_MODELS").empty() ? "10" : Env("NEO4J_BENCH_LOOP_MODELS")));
  std::vector<UnseenQuery> queries;
  for (int m = 0; m < models; ++m)
    queries.push_back({FeedFilter{{"type-" + std::to_string(m % 10)}}, ""});
  // Each query runs a few times before it is timed: Neo4j caches plans by query text and
  // compiles a plan further after its first executions.
  for (int warm = 0; warm < 5; ++warm) {
    ASSERT_TRUE((*feed)->CountUnseen(queries[0].filter, "", *head).has_value());
    ASSERT_TRUE((*feed)->CountUnseenMany(std::span(queries).first(1), *head).has_value());
  }
  auto t0 = std::chrono::steady_clock::now();
  int64_t total = 0;
  for (int m = 0; m < loop_models; ++m) {
    auto c = (*feed)->CountUnseen(queries[m].filter, "", *head);
    ASSERT_TRUE(c.has_value()) << c.error().message;
    total += c->count;
  }
  double secs = Seconds(t0);
  std::printf("FIGURE count_loop_cpp models=%d window=%lld seconds=%.3f ms_per_count=%.1f\n",
              loop_models, static_cast<long long>(records), secs, secs * 1000 / loop_models);
  EXPECT_EQ(total, records * loop_models / 10);
  t0 = std::chrono::steady_clock::now();
  auto many = (*feed)->CountUnseenMany(queries, *head);
  secs = Seconds(t0);
  ASSERT_TRUE(many.has_value()) << many.error().message;
  total = 0;
  for (const auto& u : *many) total += u.count;
  EXPECT_EQ(total, records * models / 10);
  std::printf("FIGURE count_many_cpp models=%d window=%lld watermarks=1 seconds=%.3f\n", models,
              static_cast<long long>(records), secs);

  // The same models at as many different watermarks, spread evenly over the feed.
  std::vector<std::string> cursors;
  std::string near_head;  // the cursor 1 000 records before the head
  const int64_t step = std::max<int64_t>(1, records / models);
  int64_t i = 0;
  ASSERT_TRUE((*feed)
                  ->Scan({}, "", *head,
                         [&](const FeedRecord& r) {
                           if (i % step == 0 && static_cast<int>(cursors.size()) < models)
                             cursors.push_back(r.cursor);
                           if (i == records - 1001) near_head = r.cursor;
                           ++i;
                           return true;
                         })
                  .has_value());
  for (int m = 0; m < models; ++m) queries[m].after = cursors[m % cursors.size()];
  t0 = std::chrono::steady_clock::now();
  many = (*feed)->CountUnseenMany(queries, *head);
  secs = Seconds(t0);
  ASSERT_TRUE(many.has_value()) << many.error().message;
  std::printf("FIGURE count_many_cpp models=%d window=%lld watermarks=%zu seconds=%.3f\n", models,
              static_cast<long long>(records), cursors.size(), secs);
  for (int m : {0, models / 2, models - 1}) {  // spot checks against single counts
    auto one = (*feed)->CountUnseen(queries[m].filter, queries[m].after, *head);
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ((*many)[m].count, one->count) << "model " << m;
  }
  // The steady state: every model caught up to 1 000 records before the head, counted one
  // query per model and all at once.
  for (auto& q : queries) q.after = near_head;
  t0 = std::chrono::steady_clock::now();
  total = 0;
  for (const auto& q : queries) {
    auto c = (*feed)->CountUnseen(q.filter, q.after, *head);
    ASSERT_TRUE(c.has_value()) << c.error().message;
    total += c->count;
  }
  secs = Seconds(t0);
  std::printf("FIGURE count_loop_cpp_caught_up models=%d unseen=1000 seconds=%.3f\n", models, secs);
  t0 = std::chrono::steady_clock::now();
  many = (*feed)->CountUnseenMany(queries, *head);
  secs = Seconds(t0);
  ASSERT_TRUE(many.has_value()) << many.error().message;
  int64_t total_many = 0;
  for (const auto& u : *many) total_many += u.count;
  EXPECT_EQ(total_many, total);
  std::printf("FIGURE count_many_cpp_caught_up models=%d unseen=1000 seconds=%.3f\n", models, secs);
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*feed)->Head().has_value());
  std::printf("FIGURE head ms_per_call=%.2f\n", Seconds(t0) * 1000 / 20);
}

}  // namespace
}  // namespace retrain
