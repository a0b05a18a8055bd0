// The Neo4j feed against a real Neo4j 5: the FeedSource contract, ISO-string timestamps,
// the index, settling, a concurrent writer of 100 000 entities, and failures (server stopped
// mid-count and mid-stream, wrong password). The Failure* tests stop the server: run them last.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "../../unit/feed/feed_contract.h"
#include "feed/neo4j/neo4j_cursor.h"
#include "feed/neo4j/neo4j_feed.h"
#include "feed/neo4j/neo4j_queries.h"
#include "feed/neo4j/value_json.h"
#include "integration_env.h"

namespace retrain {
namespace {

using testenv::Env;

Neo4jFeedOptions Options() {
  Neo4jFeedOptions o;
  o.uri = Env("NEO4J_URI");
  o.user = Env("NEO4J_USER");
  o.password = Env("NEO4J_PASSWORD");
  return o;
}

std::unique_ptr<Neo4jFeed> OpenFeed(Neo4jFeedOptions o = Options()) {
  auto f = Neo4jFeed::Create(o);
  EXPECT_TRUE(f.has_value()) << (f ? "" : f.error().message);
  return f ? std::move(*f) : nullptr;
}

std::unique_ptr<bolt::BoltConnection> Writer() {
  auto c = bolt::BoltConnection::Open(testenv::Config());
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
  return c ? std::move(*c) : nullptr;
}

void Write(bolt::BoltConnection& c, const std::string& q, const bolt::Dict& params) {
  auto r = c.Run(q, params, nullptr, {"neo4j"});
  ASSERT_TRUE(r.has_value()) << r.error().message;
}

// The operator names of an EXPLAIN plan (the "plan" of the query's SUCCESS metadata).
void Operators(const bolt::Value& plan, std::vector<std::string>& out) {
  const auto* d = plan.Get<bolt::Dict>();
  if (d == nullptr) return;
  for (const auto& [key, value] : *d) {
    if (const auto* s = value.Get<std::string>(); s && key == "operatorType") out.push_back(*s);
    if (const auto* l = value.Get<bolt::List>(); l && key == "children") {
      for (const auto& child : *l) Operators(child, out);
    }
  }
}

// The plan of `cypher` reads :Entity through the updated_at range index only.
void ExpectIndexSeeksOnly(bolt::BoltConnection& c, const std::string& cypher,
                          const bolt::Dict& params) {
  auto r = c.Run("EXPLAIN " + cypher, params, nullptr, {"neo4j"});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  std::vector<std::string> ops;
  for (const auto& [key, value] : r->metadata) {
    if (key == "plan") Operators(value, ops);
  }
  std::string all;
  for (const auto& op : ops) all += op + " ";
  int seeks = 0;
  for (const auto& op : ops) {
    EXPECT_EQ(op.find("AllNodesScan"), std::string::npos) << all;
    EXPECT_EQ(op.find("NodeByLabelScan"), std::string::npos) << all;
    if (op.starts_with("NodeIndexSeekByRange")) ++seeks;
  }
  EXPECT_EQ(seeks, 2) << "expected one range seek per updated_at representation: " << all;
}

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

TEST(Neo4jFeed, SatisfiesTheFeedContract) {
  auto feed = OpenFeed();
  ASSERT_TRUE(feed);
  auto w = Writer();
  ASSERT_TRUE(w);
  feed_contract::FeedWriter writer = [&](const std::vector<feed_contract::ContractRecord>& recs) {
    bolt::List rows;
    for (const auto& r : recs) {
      rows.emplace_back(
          bolt::Dict{{"seq", r.seq}, {"job", r.ingestion_job}, {"type", r.entity_type}});
    }
    SleepMs(2);  // records written later land later
    Write(*w,
          "UNWIND $rows AS r CREATE (:Entity {seq: r.seq, ingestion_job: r.job, "
          "entity_type: r.type, f1: r.seq * 0.5, label: r.seq % 2, updated_at: datetime()})",
          {{"rows", rows}});
    SleepMs(2);
  };
  feed_contract::RunAll(*feed, writer, 1'000'000);
  EXPECT_EQ(feed->Uri().find(Env("NEO4J_PASSWORD")), std::string::npos);
  EXPECT_EQ(feed->Uri(), Env("NEO4J_URI"));
}

TEST(Neo4jFeed, EntityTypeFallsBackToTheFirstOtherLabel) {
  auto feed = OpenFeed();
  auto w = Writer();
  ASSERT_TRUE(feed && w);
  auto h0 = feed->Head();
  ASSERT_TRUE(h0.has_value());
  SleepMs(2);
  Write(*w, "CREATE (:Entity:Sensor {seq: 1, ingestion_job: 'labels', updated_at: datetime()})",
        {});
  SleepMs(2);
  auto h1 = feed->Head();
  auto recs = feed_contract::ScanAll(*feed, {{"Sensor"}}, *h0, *h1);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].entity_type, "Sensor");
}

TEST(Neo4jFeed, UpdatedAtAsIsoStringsAndDateTimesShareOneOrder) {
  auto feed = OpenFeed();
  auto w = Writer();
  ASSERT_TRUE(feed && w);
  auto h0 = feed->Head();
  ASSERT_TRUE(h0.has_value());
  SleepMs(20);
  const int64_t t0 = SystemClock().NowMs();
  // Five instants t0+1..t0+5 ms, stored in different representations and written out of order.
  auto iso = [&](int64_t ms, int offset_h) {
    return neo4j::TemporalToIso(
        bolt::Value(bolt::DateTime{ms / 1000, (ms % 1000) * 1'000'000, offset_h * 3600}));
  };
  Write(*w,
        "CREATE (:Entity {seq: 3, ingestion_job: 'iso', entity_type: 't', updated_at: $s3}), "
        "(:Entity {seq: 1, ingestion_job: 'iso', entity_type: 't', updated_at: $d1}), "
        "(:Entity {seq: 5, ingestion_job: 'iso', entity_type: 't', updated_at: $s5}), "
        "(:Entity {seq: 2, ingestion_job: 'iso', entity_type: 't', updated_at: $z2}), "
        "(:Entity {seq: 4, ingestion_job: 'iso', entity_type: 't', updated_at: datetime($s4)})",
        {{"s3", iso(t0 + 3, 2)},
         {"d1", bolt::DateTime{(t0 + 1) / 1000, ((t0 + 1) % 1000) * 1'000'000, 0}},
         {"s5", iso(t0 + 5, -5)},
         {"z2", bolt::DateTimeZoneId{(t0 + 2) / 1000, ((t0 + 2) % 1000) * 1'000'000, "Asia/Tokyo"}},
         {"s4", iso(t0 + 4, 0)}});
  SleepMs(20);
  auto h1 = feed->Head();
  ASSERT_TRUE(h1.has_value());
  auto count = feed->CountUnseen({}, *h0, *h1);
  ASSERT_TRUE(count.has_value()) << count.error().message;
  EXPECT_EQ(count->count, 5);
  EXPECT_EQ(count->oldest_landed_ms, t0 + 1);
  auto recs = feed_contract::ScanAll(*feed, {}, *h0, *h1);
  ASSERT_EQ(recs.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(feed_contract::SeqOf(recs[i].payload_json), i + 1);
    EXPECT_EQ(recs[i].landed_at_ms, t0 + i + 1);
  }
  // A window ending inside the string records.
  EXPECT_EQ(feed->CountUnseen({}, *h0, recs[2].cursor)->count, 3);
  EXPECT_EQ(feed->CountUnseen({}, recs[2].cursor, *h1)->count, 2);
}

TEST(Neo4jFeed, CreatesTheRangeIndexAndQueriesUseIt) {
  auto w = Writer();
  ASSERT_TRUE(w);
  Write(*w, "DROP INDEX retrain_entity_updated_at IF EXISTS", {});
  auto feed = OpenFeed();
  ASSERT_TRUE(feed);
  int64_t found = 0;
  auto r = w->Run(
      "SHOW INDEXES YIELD name, type, state WHERE name = 'retrain_entity_updated_at' "
      "RETURN type",
      {},
      [&](const bolt::List& row) {
        EXPECT_EQ(row[0], bolt::Value("RANGE"));
        ++found;
        return true;
      },
      {"neo4j"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(found, 1);

  // Counting, describing and scanning a window, and counting many windows at once, seek the
  // index instead of scanning the label.
  const int64_t now_s = SystemClock().NowMs() / 1000;
  const std::string a = neo4j::EncodeCursor({now_s - 3600, 0, "4:x:1"});
  const std::string b = neo4j::EncodeCursor({now_s, 0, "4:x:2"});
  auto params = neo4j::WindowParams({{"alpha"}}, a, b);
  ASSERT_TRUE(params.has_value()) << params.error().message;
  for (const auto& q : {neo4j::CountQuery(), neo4j::DescribeQuery(), neo4j::ScanQuery()}) {
    SCOPED_TRACE(q);
    ExpectIndexSeeksOnly(*w, q, *params);
  }
  auto window = neo4j::WindowParams({}, a, b);
  ASSERT_TRUE(window.has_value());
  window->emplace_back("i", int64_t{0});
  ExpectIndexSeeksOnly(*w, neo4j::CountByWindowQuery(),
                       {{"windows", bolt::List{*window, *window}}});
}

TEST(Neo4jFeed, SettleLagHoldsBackRecentRecords) {
  Neo4jFeedOptions o = Options();
  o.settle_lag_ms = 1500;
  auto feed = OpenFeed(o);
  auto w = Writer();
  ASSERT_TRUE(feed && w);
  SleepMs(1600);
  auto h0 = feed->Head();
  Write(*w,
        "CREATE (:Entity {seq: 1, ingestion_job: 'settle', entity_type: 's', "
        "updated_at: datetime()})",
        {});
  auto h1 = feed->Head();
  EXPECT_EQ(*h1, *h0);
  EXPECT_TRUE(feed->WaitForChange(5000));
  auto h2 = feed->Head();
  EXPECT_NE(*h2, *h0);
  EXPECT_EQ(feed->CountUnseen({{"s"}}, *h0, *h2)->count, 1);
}

TEST(Neo4jFeed, ConcurrentWriterOf100kEntitiesLosesNothing) {
  constexpr int kBatches = 100, kBatch = 1000;
  Neo4jFeedOptions o = Options();
  o.settle_lag_ms = 1000;
  o.fetch_size = 500;
  auto feed = OpenFeed(o);
  auto w = Writer();
  ASSERT_TRUE(feed && w);
  SleepMs(1100);
  auto start = feed->Head();
  ASSERT_TRUE(start.has_value());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      auto r = w->Run(
          "UNWIND range($from, $to) AS i CREATE (:Entity {seq: i, ingestion_job: "
          "'concurrent-' + toString($b), entity_type: 'c', x: i * 1.5, "
          "updated_at: datetime()})",
          {{"from", int64_t{b} * kBatch}, {"to", int64_t{b + 1} * kBatch - 1}, {"b", int64_t{b}}},
          nullptr, {"neo4j"});
      if (!r) ADD_FAILURE() << r.error().message;
    }
    done = true;
  });
  std::vector<int> seen(kBatches * kBatch, 0);
  std::string watermark = *start;
  int windows = 0;
  int64_t counted = 0;
  auto advance = [&] {
    auto head = feed->Head();
    ASSERT_TRUE(head.has_value()) << head.error().message;
    if (*head == watermark) return;
    auto unseen = feed->CountUnseen({{"c"}}, watermark, *head);
    ASSERT_TRUE(unseen.has_value()) << unseen.error().message;
    int64_t scanned = 0;
    auto s = feed->Scan({{"c"}}, watermark, *head, [&](const FeedRecord& r) {
      int64_t seq = feed_contract::SeqOf(r.payload_json);
      if (seq >= 0 && seq < static_cast<int64_t>(seen.size())) ++seen[seq];
      ++scanned;
      return true;
    });
    ASSERT_TRUE(s.has_value()) << s.error().message;
    EXPECT_EQ(scanned, unseen->count);
    counted += unseen->count;
    watermark = *head;
    ++windows;
  };
  while (!done) {
    advance();
    SleepMs(100);
  }
  writer.join();
  SleepMs(1200);  // everything written has settled now
  advance();
  int missing = 0, doubled = 0;
  for (int n : seen) {
    missing += n == 0;
    doubled += n > 1;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(doubled, 0);
  EXPECT_EQ(counted, kBatches * kBatch);
  EXPECT_GT(windows, 2);
  std::printf("[ figures  ] 100000 entities in %d windows while writing\n", windows);
}

TEST(Neo4jFeed, WrongPasswordIsOneClearUnauthenticatedError) {
  Neo4jFeedOptions o = Options();
  o.password = "wrong-password";
  auto f = Neo4jFeed::Create(o);
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(f.error().message, "Neo4j rejected the credentials for user " + o.user + ".");
}

// Writes `n` entities of type `type` (in batches) so failures can strike mid-query.
void Fill(int n, const std::string& type) {
  auto w = Writer();
  ASSERT_TRUE(w);
  for (int i = 0; i < n; i += 10000) {
    Write(*w,
          "UNWIND range(1, 10000) AS i CREATE (:Entity {seq: i, ingestion_job: 'fill', "
          "entity_type: $t, updated_at: datetime() - duration('PT1H')})",
          {{"t", type}});
  }
}

TEST(Failure, ServerStoppedMidStreamIsUnavailable) {
  Fill(30000, "stream");
  Neo4jFeedOptions o = Options();
  o.fetch_size = 100;
  auto feed = OpenFeed(o);
  ASSERT_TRUE(feed);
  auto head = feed->Head();
  ASSERT_TRUE(head.has_value());
  auto total = feed->CountUnseen({{"stream"}}, "", *head);
  ASSERT_TRUE(total.has_value());
  int64_t seen = 0;
  auto s = feed->Scan({{"stream"}}, "", *head, [&](const FeedRecord&) {
    if (++seen == 500) {
      EXPECT_EQ(testenv::Service("kill"), 0);
    }
    return true;
  });
  ASSERT_FALSE(s.has_value()) << "the scan reported a complete window after the server died";
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable) << s.error().message;
  EXPECT_LT(seen, total->count);
  std::printf("[ message  ] %s\n", s.error().message.c_str());
  auto after = feed->CountUnseen({}, "", *head);
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code, ErrorCode::kUnavailable);
  std::printf("[ message  ] %s\n", after.error().message.c_str());
  ASSERT_EQ(testenv::Service("start"), 0);
}

TEST(Failure, ServerStoppedMidCountIsUnavailable) {
  Fill(100000, "count");
  auto feed = OpenFeed();
  ASSERT_TRUE(feed);
  auto head = feed->Head();
  ASSERT_TRUE(head.has_value());
  auto expected = feed->CountUnseen({{"count"}}, "", *head);
  ASSERT_TRUE(expected.has_value());
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::thread counter([&] {
    while (!stop) {
      auto c = feed->CountUnseen({{"count"}}, "", *head);
      if (c) {
        EXPECT_EQ(c->count, expected->count) << "a count reported a partial number";
        ++ok;
      } else {
        EXPECT_EQ(c.error().code, ErrorCode::kUnavailable) << c.error().message;
        ++failed;
        SleepMs(5);
      }
    }
  });
  for (int i = 0; i < 600 && ok.load() == 0; ++i) SleepMs(100);
  SleepMs(50);  // stop while the next count runs
  EXPECT_EQ(testenv::Service("stop"), 0);
  SleepMs(300);
  stop = true;
  counter.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(failed.load(), 0);
  auto ping = feed->Ping();
  ASSERT_FALSE(ping.has_value());
  EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);
  std::printf("[ message  ] %s\n", ping.error().message.c_str());
  std::printf("[ figures  ] %d counts completed, %d failed\n", ok.load(), failed.load());
}

}  // namespace
}  // namespace retrain
