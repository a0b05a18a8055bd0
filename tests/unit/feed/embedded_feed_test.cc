// The embedded SQLite feed: append, head, counts with filters, window descriptions, scans,
// change notification across instances, cursor validation and contiguous windows.

#include "feed/embedded/embedded_feed.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "../temp_dir.h"

namespace retrain {
namespace {

constexpr int64_t kT0 = 1795674600000;  // 2026-11-26T06:30:00.000Z

NewFeedRecord Rec(const std::string& job, const std::string& type, int64_t landed,
                  const std::string& payload = "{\"x\":1}") {
  return NewFeedRecord{job, type, landed, payload};
}

class EmbeddedFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() + "/sub/feed.db";  // the parent folder is created
    auto f = EmbeddedFeed::Open(path_);
    ASSERT_TRUE(f.has_value()) << f.error().message;
    feed_ = std::move(*f);
  }

  // Appends, in order: ingest-1 (3 entity, 1 indicator), ingest-2 (2 indicator), ingest-1
  // again (1 entity): cursors 1..7, landing one second apart.
  void AppendSample() {
    std::vector<NewFeedRecord> recs = {
        Rec("ingest-1", "entity", kT0),           Rec("ingest-1", "indicator", kT0 + 1000),
        Rec("ingest-1", "entity", kT0 + 2000),    Rec("ingest-1", "entity", kT0 + 3000),
        Rec("ingest-2", "indicator", kT0 + 4000), Rec("ingest-2", "indicator", kT0 + 5000),
        Rec("ingest-1", "entity", kT0 + 6000)};
    auto last = feed_->Append(recs);
    ASSERT_TRUE(last.has_value()) << last.error().message;
    EXPECT_EQ(*last, "7");
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<EmbeddedFeed> feed_;
};

TEST_F(EmbeddedFeedTest, EmptyFeed) {
  EXPECT_EQ(feed_->Head().value_or("x"), "");
  EXPECT_EQ(feed_->Size().value_or(-1), 0);
  auto u = feed_->CountUnseen({}, "", "");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->count, 0);
  EXPECT_FALSE(u->oldest_landed_ms.has_value());
  EXPECT_EQ(u->last_cursor, "");
  EXPECT_TRUE(feed_->Ping().has_value());
  EXPECT_EQ(feed_->Append({}).value_or("x"), "");
}

TEST_F(EmbeddedFeedTest, AppendAndHead) {
  AppendSample();
  EXPECT_EQ(feed_->Head().value_or(""), "7");
  EXPECT_EQ(feed_->Size().value_or(-1), 7);
  auto last = feed_->Append({Rec("ingest-3", "entity", kT0 + 7000)});
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, "8");
  EXPECT_EQ(feed_->Head().value_or(""), "8");
}

TEST_F(EmbeddedFeedTest, CountUnseenWithoutFilter) {
  AppendSample();
  auto u = feed_->CountUnseen({}, "", "7");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->count, 7);
  EXPECT_EQ(u->oldest_landed_ms, std::optional<int64_t>(kT0));
  EXPECT_EQ(u->last_cursor, "7");

  u = feed_->CountUnseen({}, "3", "5");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->count, 2);
  EXPECT_EQ(u->oldest_landed_ms, std::optional<int64_t>(kT0 + 3000));
  EXPECT_EQ(u->last_cursor, "5");

  // An empty or inverted range counts nothing.
  for (auto [after, upto] : {std::pair{"7", "7"}, std::pair{"5", "3"}}) {
    u = feed_->CountUnseen({}, after, upto);
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->count, 0);
    EXPECT_EQ(u->last_cursor, "");
  }
  // Beyond the head there is nothing more.
  u = feed_->CountUnseen({}, "6", "100");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->count, 1);
  EXPECT_EQ(u->last_cursor, "7");
}

TEST_F(EmbeddedFeedTest, CountUnseenWithEntityFilter) {
  AppendSample();
  auto u = feed_->CountUnseen(FeedFilter{{"indicator"}}, "", "7");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->count, 3);
  EXPECT_EQ(u->oldest_landed_ms, std::optional<int64_t>(kT0 + 1000));
  EXPECT_EQ(u->last_cursor, "6");  // the last matching record, not the head

  u = feed_->CountUnseen(FeedFilter{{"indicator"}}, "2", "7");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->count, 2);
  EXPECT_EQ(u->oldest_landed_ms, std::optional<int64_t>(kT0 + 4000));

  u = feed_->CountUnseen(FeedFilter{{"indicator", "entity"}}, "", "7");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->count, 7);

  u = feed_->CountUnseen(FeedFilter{{"actor"}}, "", "7");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->count, 0);
  EXPECT_FALSE(u->oldest_landed_ms.has_value());
  EXPECT_EQ(u->last_cursor, "");
}

TEST_F(EmbeddedFeedTest, DescribeWindowListsIngestionJobsInOrderOfFirstAppearance) {
  AppendSample();
  auto w = feed_->DescribeWindow({}, "", "7");
  ASSERT_TRUE(w.has_value()) << w.error().message;
  EXPECT_EQ(w->after, "");
  EXPECT_EQ(w->upto, "7");
  EXPECT_EQ(w->records, 7);
  EXPECT_EQ(w->start_ms, std::optional<int64_t>(kT0));
  EXPECT_EQ(w->end_ms, std::optional<int64_t>(kT0 + 6000));
  std::vector<std::pair<std::string, int64_t>> jobs = {{"ingest-1", 5}, {"ingest-2", 2}};
  EXPECT_EQ(w->ingestion_jobs, jobs);

  w = feed_->DescribeWindow({}, "4", "7");
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->records, 3);
  jobs = {{"ingest-2", 2}, {"ingest-1", 1}};
  EXPECT_EQ(w->ingestion_jobs, jobs);
  EXPECT_EQ(w->start_ms, std::optional<int64_t>(kT0 + 4000));
  EXPECT_EQ(w->end_ms, std::optional<int64_t>(kT0 + 6000));
}

TEST_F(EmbeddedFeedTest, DescribeWindowWithFilterAndEmptyRange) {
  AppendSample();
  auto w = feed_->DescribeWindow(FeedFilter{{"indicator"}}, "", "7");
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->records, 3);
  std::vector<std::pair<std::string, int64_t>> jobs = {{"ingest-1", 1}, {"ingest-2", 2}};
  EXPECT_EQ(w->ingestion_jobs, jobs);
  EXPECT_EQ(w->start_ms, std::optional<int64_t>(kT0 + 1000));
  EXPECT_EQ(w->end_ms, std::optional<int64_t>(kT0 + 5000));

  w = feed_->DescribeWindow({}, "7", "7");
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->records, 0);
  EXPECT_TRUE(w->ingestion_jobs.empty());
  EXPECT_FALSE(w->start_ms.has_value());
  EXPECT_EQ(w->after, "7");
}

TEST_F(EmbeddedFeedTest, ScanReadsExactlyTheRange) {
  AppendSample();
  std::vector<FeedRecord> seen;
  auto s = feed_->Scan({}, "2", "5", [&](const FeedRecord& r) {
    seen.push_back(r);
    return true;
  });
  ASSERT_TRUE(s.has_value()) << s.error().message;
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].cursor, "3");
  EXPECT_EQ(seen[1].cursor, "4");
  EXPECT_EQ(seen[2].cursor, "5");
  EXPECT_EQ(seen[2].ingestion_job, "ingest-2");
  EXPECT_EQ(seen[2].entity_type, "indicator");
  EXPECT_EQ(seen[2].landed_at_ms, kT0 + 4000);
  EXPECT_EQ(seen[2].payload_json, "{\"x\":1}");
}

TEST_F(EmbeddedFeedTest, ScanWithFilterAndEarlyStop) {
  AppendSample();
  std::vector<std::string> cursors;
  ASSERT_TRUE(feed_
                  ->Scan(FeedFilter{{"entity"}}, "", "7",
                         [&](const FeedRecord& r) {
                           cursors.push_back(r.cursor);
                           return true;
                         })
                  .has_value());
  EXPECT_EQ(cursors, (std::vector<std::string>{"1", "3", "4", "7"}));

  int calls = 0;
  ASSERT_TRUE(feed_->Scan({}, "", "7", [&](const FeedRecord&) { return ++calls < 2; }).has_value());
  EXPECT_EQ(calls, 2);
}

TEST_F(EmbeddedFeedTest, InvalidCursorsAreRefused) {
  AppendSample();
  for (const char* bad : {"abc", "-1", "5x", " 5", "1.5", "99999999999999999999"}) {
    SCOPED_TRACE(bad);
    auto u = feed_->CountUnseen({}, bad, "7");
    ASSERT_FALSE(u.has_value());
    EXPECT_EQ(u.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(u.error().api_code, "invalid_cursor");
    auto u2 = feed_->CountUnseen({}, "", bad);
    ASSERT_FALSE(u2.has_value());
    EXPECT_EQ(u2.error().api_code, "invalid_cursor");
    auto w = feed_->DescribeWindow({}, bad, "7");
    ASSERT_FALSE(w.has_value());
    EXPECT_EQ(w.error().api_code, "invalid_cursor");
    bool called = false;
    auto s = feed_->Scan({}, "", bad, [&](const FeedRecord&) { return called = true; });
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().api_code, "invalid_cursor");
    EXPECT_FALSE(called);
  }
}

TEST_F(EmbeddedFeedTest, HasIngestionJob) {
  AppendSample();
  EXPECT_TRUE(feed_->HasIngestionJob("ingest-1").value_or(false));
  EXPECT_TRUE(feed_->HasIngestionJob("ingest-2").value_or(false));
  EXPECT_FALSE(feed_->HasIngestionJob("ingest-3").value_or(true));
  EXPECT_FALSE(feed_->HasIngestionJob("").value_or(true));
}

TEST_F(EmbeddedFeedTest, UriIsAbsoluteAndReopenable) {
  AppendSample();
  std::string uri = feed_->Uri();
  ASSERT_EQ(uri.rfind("embedded:/", 0), 0u) << uri;
  EXPECT_EQ(uri, "embedded:" + std::filesystem::absolute(path_).lexically_normal().string());
  auto again = EmbeddedFeed::Open(uri.substr(9));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ((*again)->Head().value_or(""), "7");
  EXPECT_EQ((*again)->Size().value_or(0), 7);
}

TEST_F(EmbeddedFeedTest, OpenFailsOnAnUnusablePath) {
  dir_.Write("plain-file", "x");
  auto f = EmbeddedFeed::Open(dir_.path() + "/plain-file/feed.db");
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, ErrorCode::kUnavailable);
}

TEST_F(EmbeddedFeedTest, WaitForChangeTimesOutWithoutWrites) {
  EXPECT_FALSE(feed_->WaitForChange(0));  // primes the version
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(feed_->WaitForChange(50));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

// A real wait is the point: a writer in another "process" (a second instance on the same
// file) commits, and the waiting instance notices long before its timeout.
TEST_F(EmbeddedFeedTest, WaitForChangeSeesACommitFromASecondInstance) {
  auto writer = EmbeddedFeed::Open(path_);
  ASSERT_TRUE(writer.has_value());
  EXPECT_FALSE(feed_->WaitForChange(0));
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE((*writer)->Append({Rec("ingest-9", "entity", kT0)}).has_value());
  });
  bool changed = feed_->WaitForChange(10'000);
  t.join();
  EXPECT_TRUE(changed);  // true only when a change was seen, never on the timeout
  EXPECT_EQ(feed_->Head().value_or(""), "1");
  // Nothing new since: the next wait times out.
  EXPECT_FALSE(feed_->WaitForChange(30));
}

TEST_F(EmbeddedFeedTest, SuccessiveWindowsCoverEveryRecordOnce) {
  // Windows are taken the way the orchestrator takes them: (watermark, last unseen] per
  // filter, with records landing between windows.
  std::map<std::string, std::string> watermark;  // per filter
  std::map<std::string, std::multiset<std::string>> seen;
  const std::vector<std::string> types = {"entity", "indicator", "actor"};
  int64_t landed = kT0;
  for (int round = 0; round < 12; ++round) {
    std::vector<NewFeedRecord> batch;
    for (int i = 0; i < 3 + round % 5; ++i) {
      batch.push_back(Rec("ingest-" + std::to_string(round), types[(round + i) % 3], landed += 10));
    }
    ASSERT_TRUE(feed_->Append(batch).has_value());
    auto head = feed_->Head();
    ASSERT_TRUE(head.has_value());
    for (const std::string filter_name : {"all", "indicator"}) {
      FeedFilter filter;
      if (filter_name != "all") filter.entity_types = {filter_name};
      auto u = feed_->CountUnseen(filter, watermark[filter_name], *head);
      ASSERT_TRUE(u.has_value());
      if (u->count == 0) continue;
      auto w = feed_->DescribeWindow(filter, watermark[filter_name], u->last_cursor);
      ASSERT_TRUE(w.has_value());
      EXPECT_EQ(w->records, u->count);
      int64_t scanned = 0;
      ASSERT_TRUE(feed_
                      ->Scan(filter, w->after, w->upto,
                             [&](const FeedRecord& r) {
                               seen[filter_name].insert(r.cursor);
                               ++scanned;
                               return true;
                             })
                      .has_value());
      EXPECT_EQ(scanned, w->records);
      watermark[filter_name] = w->upto;
    }
  }
  int64_t size = feed_->Size().value_or(0);
  ASSERT_GT(size, 0);
  EXPECT_EQ(static_cast<int64_t>(seen["all"].size()), size);
  for (int64_t c = 1; c <= size; ++c) EXPECT_EQ(seen["all"].count(std::to_string(c)), 1u) << c;
  // Every indicator exactly once, nothing else.
  std::multiset<std::string> indicators;
  ASSERT_TRUE(feed_
                  ->Scan(FeedFilter{{"indicator"}}, "", std::to_string(size),
                         [&](const FeedRecord& r) {
                           indicators.insert(r.cursor);
                           return true;
                         })
                  .has_value());
  EXPECT_EQ(seen["indicator"], indicators);
}

}  // namespace
}  // namespace retrain
