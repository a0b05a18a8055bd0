#pragma once
// The embedded feed: the project's own SQLite file of feed records, written by
// `retrain feed generate` / `retrain feed import` (or any process using EmbeddedFeedWriter) and
// read by the orchestrator and workers. Records are ordered by their insertion sequence; the
// cursor is that sequence number in decimal. Writes commit atomically, so nothing is "in flight"
// and the settle lag does not apply. An index on (entity_type, seq) makes every count a range
// scan over the unseen records only.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "feed/feed_source.h"

namespace retrain {

class Db;

struct NewFeedRecord {
  std::string ingestion_job;
  std::string entity_type;
  int64_t landed_at_ms = 0;
  std::string payload_json;  // a JSON object
};

class EmbeddedFeed final : public FeedSource {
 public:
  // Opens (creating) the feed file. Errors: kUnavailable naming the path.
  [[nodiscard]] static Result<std::unique_ptr<EmbeddedFeed>> Open(const std::string& path);
  ~EmbeddedFeed() override;

  Result<std::string> Head() override;
  Result<UnseenSummary> CountUnseen(const FeedFilter& filter, std::string_view after,
                                    std::string_view upto) override;
  Result<Window> DescribeWindow(const FeedFilter& filter, std::string_view after,
                                std::string_view upto) override;
  Status Scan(const FeedFilter& filter, std::string_view after, std::string_view upto,
              const std::function<bool(const FeedRecord&)>& fn) override;
  bool WaitForChange(int64_t timeout_ms) override;
  std::string Uri() const override;
  Status Ping() override;

  // Appends records in one transaction; returns the cursor of the last one.
  [[nodiscard]] Result<std::string> Append(const std::vector<NewFeedRecord>& records);
  // Whether any record carries this ingestion_job marker.
  [[nodiscard]] Result<bool> HasIngestionJob(const std::string& ingestion_job);
  // Total number of records.
  [[nodiscard]] Result<int64_t> Size();

 private:
  EmbeddedFeed(std::unique_ptr<Db> db, std::string path);
  std::mutex mu_;  // guards db_
  std::unique_ptr<Db> db_;
  std::string path_;
  int64_t data_version_ = -1;  // last PRAGMA data_version seen by WaitForChange
};

}  // namespace retrain
