// The FeedSource contract (feed_contract.h) against the embedded feed and the fixture-directory
// feed; tests/integration/neo4j runs the same contract against a real Neo4j.
#include "feed_contract.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "../temp_dir.h"
#include "core/time.h"
#include "feed/embedded/embedded_feed.h"
#include "feed/fixtures/fixture_feed.h"

namespace retrain {
namespace {

using feed_contract::ContractRecord;

TEST(FeedContract, EmbeddedFeed) {
  testing::TempDir dir;
  auto feed = EmbeddedFeed::Open(dir.path() + "/feed.db");
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  EmbeddedFeed& f = **feed;
  // Records already in the feed are left alone by the contract.
  ASSERT_TRUE(f.Append({{"earlier", "alpha", SystemClock().NowMs(), R"({"seq":0})"}}).has_value());
  feed_contract::RunAll(f, [&](const std::vector<ContractRecord>& batch) {
    std::vector<NewFeedRecord> records;
    for (const auto& r : batch) {
      records.push_back({r.ingestion_job, r.entity_type, SystemClock().NowMs(),
                         nlohmann::json{{"seq", r.seq}}.dump()});
    }
    auto appended = f.Append(records);
    ASSERT_TRUE(appended.has_value()) << appended.error().message;
  });
}

TEST(FeedContract, FixtureDirectoryFeed) {
  testing::TempDir dir;
  auto feed = FixtureFeed::Open(dir.path());
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  int files = 0;
  feed_contract::RunAll(**feed, [&](const std::vector<ContractRecord>& batch) {
    // One file per batch (one ingestion job), landed now; a later batch lands at a later
    // millisecond.
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    nlohmann::json records = nlohmann::json::array();
    for (const auto& r : batch) records.push_back({{"seq", r.seq}, {"entity_type", r.entity_type}});
    nlohmann::json job{{"job_id", batch.front().ingestion_job},
                       {"ingested_at", FormatRfc3339(SystemClock().NowMs())},
                       {"records", records}};
    dir.Write("batch-" + std::to_string(++files) + ".json", job.dump());
  });
}

}  // namespace
}  // namespace retrain
