#pragma once
// The feed as the feed-processor writes it into Neo4j: nodes (:Entity) with `ingestion_job`
// (string), `updated_at` and the entity's own properties (CONTRACT section 6).
//
// Order and cursors: records are ordered by (updated_at as an instant, elementId(n)); cursors
// are described in neo4j_cursor.h. `updated_at` may be stored as a DateTime or as an ISO 8601
// string; both are read as `datetime(n.updated_at)`. Every query reads the window through
// the range index on :Entity(updated_at), in two branches joined by UNION ALL: a DateTime
// range seek, and a string range seek whose bounds are widened by the largest UTC offset
// (strings sort by their local date, so "YYYY-MM-DD" bounds one day outside the window catch
// every candidate); the exact (instant, elementId) bounds are then applied to the candidates.
// Non-ISO strings in updated_at make queries over their range fail with kInvalidArgument.
//
// Entity type: the property `entity_type` when present, else the first label other than
// Entity. payload_json: the node's properties as JSON (temporal values as ISO text, see
// value_json.h) without `ingestion_job` and `updated_at`.
//
// Settling: Head() only reaches records with updated_at <= now - settle_lag_ms, so writers
// whose transactions commit within settle_lag of their updated_at are never skipped.
//
// Create() connects, checks the credentials, and creates the range index
// `retrain_entity_updated_at` on :Entity(updated_at) when no such index exists (logged).
// Errors: those of BoltConnection (kUnavailable, kUnauthenticated, ...), kPermissionDenied
// naming the missing privilege when the index cannot be created, kInvalidArgument for a bad
// URI or cursor. A query that fails part-way reports its error; Scan's callback may then have
// seen a prefix of the window, and a failed count returns no number.
//
// Thread-safe: queries run on pooled connections, one per call.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/time.h"
#include "feed/feed_source.h"
#include "feed/neo4j/bolt/pool.h"

namespace retrain {

struct Neo4jFeedOptions {
  std::string uri;       // bolt://, bolt+s://, bolt+ssc://, neo4j://, neo4j+s://, neo4j+ssc://
  std::string user;      // default: the URI's user info, else "neo4j"
  std::string password;  // default: the URI's user info; never logged
  std::string database = "neo4j";
  int64_t settle_lag_ms = 0;
  int64_t fetch_size = 1000;  // records per PULL in Scan
  int64_t connect_timeout_ms = 5000;
  int64_t query_timeout_ms = 120000;  // longest wait for the next answer of a query
  int64_t poll_interval_ms = 250;     // WaitForChange's polling of Head
  std::string ca_file;                // extra trusted CA (PEM) for +s schemes
  bool ensure_index = true;
  const Clock* clock = nullptr;  // default: the system clock; must outlive the feed
};

class Neo4jFeed final : public FeedSource {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Neo4jFeed>> Create(const Neo4jFeedOptions& options);

  Result<std::string> Head() override;
  Result<UnseenSummary> CountUnseen(const FeedFilter& filter, std::string_view after,
                                    std::string_view upto) override;
  // One query for all: the union of the windows is cut at the distinct watermarks into
  // consecutive windows, each read once and counted per entity type; every model's answer is
  // then a sum over the windows it covers. Cost: one pass over (oldest watermark, upto].
  Result<std::vector<UnseenSummary>> CountUnseenMany(std::span<const UnseenQuery> queries,
                                                     std::string_view upto) override;
  Result<Window> DescribeWindow(const FeedFilter& filter, std::string_view after,
                                std::string_view upto) override;
  Status Scan(const FeedFilter& filter, std::string_view after, std::string_view upto,
              const std::function<bool(const FeedRecord&)>& fn) override;
  bool WaitForChange(int64_t timeout_ms) override;
  std::string Uri() const override;
  Status Ping() override;

  const std::string& database() const { return options_.database; }

 private:
  Neo4jFeed(Neo4jFeedOptions options, bolt::BoltConfig config);
  Status EnsureIndex();
  // Runs one query on a pooled connection; retries once on a fresh connection when a reused
  // one turns out to be dead before any record was delivered.
  Result<bolt::QuerySummary> Query(std::string_view cypher, const bolt::Dict& params,
                                   const bolt::RecordFn& fn, int64_t fetch_size = -1);

  Neo4jFeedOptions options_;
  SystemClock system_clock_;
  const Clock* clock_;
  bolt::BoltPool pool_;
  std::mutex mu_;
  std::string last_head_;  // guarded by mu_: the Head seen last, for WaitForChange
};

}  // namespace retrain
