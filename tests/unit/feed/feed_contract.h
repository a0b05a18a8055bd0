#pragma once
// The FeedSource contract as reusable GoogleTest assertions, for any feed implementation.
//
//   retrain::feed_contract::RunAll(feed, writer);
//
// `writer` inserts records into the feed under test and returns once they are committed and
// visible to Head() (configure the feed with no settle lag, or make the writer wait for it).
// Each record it gets carries a unique `seq`; the writer must store it as a numeric payload
// property named "seq" (so it comes back in payload_json), the ingestion job as the record's
// ingestion job marker, and the entity type so that FeedRecord::entity_type returns it. The
// writer stamps the landing time itself (now); records written later must land later or at
// the same time. The contract works on a feed that already holds records: it only looks at
// what lies after the Head() it saw first.

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "feed/feed_source.h"

namespace retrain::feed_contract {

struct ContractRecord {
  int64_t seq = 0;
  std::string ingestion_job;
  std::string entity_type;
};
using FeedWriter = std::function<void(const std::vector<ContractRecord>&)>;

// The "seq" number of a payload ("...\"seq\":123..."), or -1.
inline int64_t SeqOf(const std::string& payload_json) {
  auto pos = payload_json.find("\"seq\":");
  if (pos == std::string::npos) return -1;
  return std::stoll(payload_json.substr(pos + 6));
}

inline std::vector<ContractRecord> Batch(int64_t& next_seq, int n, const std::string& job,
                                         const std::vector<std::string>& types) {
  std::vector<ContractRecord> out;
  for (int i = 0; i < n; ++i) out.push_back({next_seq++, job, types[i % types.size()]});
  return out;
}

// Scans (after, upto] and returns the records.
inline std::vector<FeedRecord> ScanAll(FeedSource& feed, const FeedFilter& filter,
                                       const std::string& after, const std::string& upto) {
  std::vector<FeedRecord> out;
  auto s = feed.Scan(filter, after, upto, [&](const FeedRecord& r) {
    out.push_back(r);
    return true;
  });
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return out;
}

inline std::string HeadOf(FeedSource& feed) {
  auto h = feed.Head();
  EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().message);
  return h ? *h : std::string();
}

// Counts, thresholds, filters, descriptions and scans of one written batch.
inline void CheckOneBatch(FeedSource& feed, const FeedWriter& write, int64_t& seq) {
  const std::string h0 = HeadOf(feed);
  const int64_t before_ms = SystemClock().NowMs();
  write(Batch(seq, 30, "contract-a", {"alpha", "alpha", "beta"}));
  const int64_t after_ms = SystemClock().NowMs();
  const std::string h1 = HeadOf(feed);
  ASSERT_NE(h1, h0);

  auto all = feed.CountUnseen({}, h0, h1);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  EXPECT_EQ(all->count, 30);
  EXPECT_EQ(all->last_cursor, h1);
  ASSERT_TRUE(all->oldest_landed_ms.has_value());
  EXPECT_GE(*all->oldest_landed_ms, before_ms - 2000);
  EXPECT_LE(*all->oldest_landed_ms, after_ms + 2000);
  EXPECT_EQ(feed.CountUnseen({{"alpha"}}, h0, h1)->count, 20);
  EXPECT_EQ(feed.CountUnseen({{"beta"}}, h0, h1)->count, 10);
  EXPECT_EQ(feed.CountUnseen({{"alpha", "beta"}}, h0, h1)->count, 30);
  EXPECT_EQ(feed.CountUnseen({{"no-such-type"}}, h0, h1)->count, 0);
  // Empty windows.
  EXPECT_EQ(feed.CountUnseen({}, h1, h1)->count, 0);
  EXPECT_EQ(feed.CountUnseen({}, h1, "")->count, 0);
  EXPECT_EQ(feed.CountUnseen({}, h1, h1)->last_cursor, "");

  auto w = feed.DescribeWindow({}, h0, h1);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  EXPECT_EQ(w->after, h0);
  EXPECT_EQ(w->upto, h1);
  EXPECT_EQ(w->records, 30);
  ASSERT_EQ(w->ingestion_jobs.size(), 1u);
  EXPECT_EQ(w->ingestion_jobs[0], (std::pair<std::string, int64_t>{"contract-a", 30}));
  ASSERT_TRUE(w->start_ms && w->end_ms);
  EXPECT_LE(*w->start_ms, *w->end_ms);
  EXPECT_EQ(*w->start_ms, *all->oldest_landed_ms);
  EXPECT_EQ(feed.DescribeWindow({{"beta"}}, h0, h1)->records, 10);

  auto recs = ScanAll(feed, {}, h0, h1);
  ASSERT_EQ(recs.size(), 30u);
  std::set<int64_t> seqs;
  for (size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(recs[i].ingestion_job, "contract-a");
    EXPECT_TRUE(recs[i].entity_type == "alpha" || recs[i].entity_type == "beta");
    EXPECT_EQ(recs[i].payload_json.find("\"updated_at\""), std::string::npos);
    EXPECT_EQ(recs[i].payload_json.find("\"ingestion_job\""), std::string::npos);
    seqs.insert(SeqOf(recs[i].payload_json));
    if (i > 0) {
      EXPECT_LE(recs[i - 1].landed_at_ms, recs[i].landed_at_ms);
    }
  }
  EXPECT_EQ(seqs.size(), 30u);
  EXPECT_EQ(recs.back().cursor, h1);
  // The cursors of scanned records bound windows consistently: (h0, c_k] holds k+1 records.
  for (size_t k : {size_t{0}, size_t{9}, size_t{28}}) {
    EXPECT_EQ(feed.CountUnseen({}, h0, recs[k].cursor)->count, static_cast<int64_t>(k + 1));
    EXPECT_EQ(feed.CountUnseen({}, recs[k].cursor, h1)->count, static_cast<int64_t>(29 - k));
  }
  auto betas = ScanAll(feed, {{"beta"}}, h0, h1);
  EXPECT_EQ(betas.size(), 10u);
  for (const auto& r : betas) EXPECT_EQ(r.entity_type, "beta");

  // Stopping early delivers exactly what was asked for and is not an error.
  int seen = 0;
  auto stopped = feed.Scan({}, h0, h1, [&](const FeedRecord&) { return ++seen < 5; });
  EXPECT_TRUE(stopped.has_value());
  EXPECT_EQ(seen, 5);
}

// Successive windows (w0,u1], (u1,u2], ... cover every record exactly once.
inline void CheckContiguousWindows(FeedSource& feed, const FeedWriter& write, int64_t& seq) {
  const std::string h0 = HeadOf(feed);
  const int64_t first_seq = seq;
  write(Batch(seq, 25, "contract-b", {"alpha"}));
  const std::string h1 = HeadOf(feed);
  write(Batch(seq, 15, "contract-c", {"beta", "alpha"}));
  const std::string h2 = HeadOf(feed);

  auto w12 = feed.DescribeWindow({}, h1, h2);
  ASSERT_TRUE(w12.has_value());
  EXPECT_EQ(w12->records, 15);
  ASSERT_EQ(w12->ingestion_jobs.size(), 1u);
  EXPECT_EQ(w12->ingestion_jobs[0].first, "contract-c");
  auto w02 = feed.DescribeWindow({}, h0, h2);
  ASSERT_TRUE(w02.has_value());
  EXPECT_EQ(w02->records, 40);
  ASSERT_EQ(w02->ingestion_jobs.size(), 2u);
  EXPECT_EQ(w02->ingestion_jobs[0], (std::pair<std::string, int64_t>{"contract-b", 25}));
  EXPECT_EQ(w02->ingestion_jobs[1], (std::pair<std::string, int64_t>{"contract-c", 15}));
  EXPECT_EQ(feed.CountUnseen({}, h0, h1)->count + feed.CountUnseen({}, h1, h2)->count, 40);

  // Cut (h0, h2] into windows of 7 records at scanned cursors; every seq appears once.
  auto recs = ScanAll(feed, {}, h0, h2);
  ASSERT_EQ(recs.size(), 40u);
  std::vector<std::string> bounds{h0};
  for (size_t i = 6; i < recs.size(); i += 7) bounds.push_back(recs[i].cursor);
  if (bounds.back() != h2) bounds.push_back(h2);
  std::map<int64_t, int> times_seen;
  int64_t counted = 0;
  for (size_t i = 1; i < bounds.size(); ++i) {
    counted += feed.CountUnseen({}, bounds[i - 1], bounds[i])->count;
    for (const auto& r : ScanAll(feed, {}, bounds[i - 1], bounds[i])) {
      ++times_seen[SeqOf(r.payload_json)];
    }
  }
  EXPECT_EQ(counted, 40);
  ASSERT_EQ(times_seen.size(), 40u);
  for (const auto& [s, n] : times_seen) {
    EXPECT_GE(s, first_seq);
    EXPECT_EQ(n, 1) << "seq " << s;
  }
  // The same through the entity filter: the alpha windows add up too.
  int64_t alpha = 0;
  for (size_t i = 1; i < bounds.size(); ++i) {
    alpha += feed.CountUnseen({{"alpha"}}, bounds[i - 1], bounds[i])->count;
  }
  EXPECT_EQ(alpha, 25 + 7);
}

// CountUnseenMany answers every (filter, after) exactly as CountUnseen does, whatever mix of
// watermarks (equal, interleaved, at or past the end) and filters it is given.
inline void CheckCountMany(FeedSource& feed, const FeedWriter& write, int64_t& seq) {
  const std::string h0 = HeadOf(feed);
  write(Batch(seq, 12, "contract-d", {"alpha", "beta", "gamma"}));
  write(Batch(seq, 9, "contract-e", {"beta"}));
  const std::string h1 = HeadOf(feed);
  auto recs = ScanAll(feed, {}, h0, h1);
  ASSERT_EQ(recs.size(), 21u);
  const std::vector<std::string> afters{h0, recs[3].cursor, h0, recs[11].cursor, recs[20].cursor,
                                        "", recs[15].cursor};
  const std::vector<FeedFilter> filters{
      {}, {{"alpha"}}, {{"beta", "gamma"}}, {{"no-such-type"}}, {{"beta", "beta"}}};
  std::vector<UnseenQuery> queries;
  for (size_t i = 0; i < afters.size(); ++i) {
    for (size_t j = 0; j < filters.size(); ++j) {
      if ((i + j) % 2 == 0) queries.push_back({filters[j], afters[i]});
    }
  }
  for (const std::string& upto : {h1, recs[13].cursor}) {
    SCOPED_TRACE("upto " + upto);
    auto many = feed.CountUnseenMany(queries, upto);
    ASSERT_TRUE(many.has_value()) << many.error().message;
    ASSERT_EQ(many->size(), queries.size());
    for (size_t q = 0; q < queries.size(); ++q) {
      auto one = feed.CountUnseen(queries[q].filter, queries[q].after, upto);
      ASSERT_TRUE(one.has_value()) << one.error().message;
      SCOPED_TRACE("query " + std::to_string(q) + " after '" + queries[q].after + "'");
      EXPECT_EQ((*many)[q].count, one->count);
      EXPECT_EQ((*many)[q].last_cursor, one->last_cursor);
      EXPECT_EQ((*many)[q].oldest_landed_ms, one->oldest_landed_ms);
    }
  }
  // Spot checks against what was written.
  auto spot = feed.CountUnseenMany(
      std::vector<UnseenQuery>{{{}, h0}, {{{"beta"}}, h0}, {{{"gamma"}}, recs[3].cursor}, {{}, h1}},
      h1);
  ASSERT_TRUE(spot.has_value());
  EXPECT_EQ((*spot)[0].count, 21);
  EXPECT_EQ((*spot)[0].last_cursor, h1);
  EXPECT_EQ((*spot)[1].count, 4 + 9);
  EXPECT_EQ((*spot)[2].count, 3);
  EXPECT_EQ((*spot)[3].count, 0);
  EXPECT_EQ((*spot)[3].last_cursor, "");
  auto none = feed.CountUnseenMany({}, h1);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

inline void RunAll(FeedSource& feed, const FeedWriter& write, int64_t first_seq = 1) {
  int64_t seq = first_seq;
  {
    SCOPED_TRACE("one batch");
    CheckOneBatch(feed, write, seq);
  }
  {
    SCOPED_TRACE("contiguous windows");
    CheckContiguousWindows(feed, write, seq);
  }
  {
    SCOPED_TRACE("many counts at once");
    CheckCountMany(feed, write, seq);
  }
  EXPECT_TRUE(feed.Ping().has_value());
  EXPECT_FALSE(feed.Uri().empty());
}

}  // namespace retrain::feed_contract
