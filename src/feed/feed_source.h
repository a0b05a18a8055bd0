#pragma once
// Where training records come from: the feed the feed-processor writes.
//
// A feed is a sequence of records in a total order (for the embedded feed, its insertion
// sequence; for Neo4j, (updated_at, elementId)). Positions in that order are cursors: opaque
// strings that only the feed itself interprets. The orchestrator keeps, per model, the cursor
// of the last record it trained on (the watermark) and asks the feed about the records after it.
//
// Implementations are thread-safe: the orchestrator's loops and the HTTP handlers call them
// concurrently.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/job.h"

namespace retrain {

// One feed record. `payload_json` is the record's own properties as a JSON object text
// (numeric features, `label`, ...), without the bookkeeping fields below.
struct FeedRecord {
  std::string cursor;
  std::string ingestion_job;
  std::string entity_type;
  int64_t landed_at_ms = 0;
  std::string payload_json;
};

// Which records a model cares about.
struct FeedFilter {
  std::vector<std::string> entity_types;  // empty = every record
};

// What lies after a watermark, up to a snapshot end.
struct UnseenSummary {
  int64_t count = 0;
  std::optional<int64_t> oldest_landed_ms;  // landing time of the first unseen record
  std::string last_cursor;                  // cursor of the last unseen record ("" if none)
};

// One model's question to CountUnseenMany: the records matching `filter` after `after`.
struct UnseenQuery {
  FeedFilter filter;
  std::string after;
};

class FeedSource {
 public:
  virtual ~FeedSource() = default;

  // The cursor of the newest record that is safe to read now (records still settling are
  // excluded), or "" when the feed is empty. Cheap: O(1) or O(log n).
  // Errors: kUnavailable when the feed cannot be reached.
  [[nodiscard]] virtual Result<std::string> Head() = 0;

  // Counts the records matching `filter` with after < cursor <= upto. Costs O(records counted)
  // through an index, never a scan of the whole feed.
  [[nodiscard]] virtual Result<UnseenSummary> CountUnseen(const FeedFilter& filter,
                                                          std::string_view after,
                                                          std::string_view upto) = 0;

  // CountUnseen for many models at once, against one snapshot end: answer i is for queries[i].
  // The default asks CountUnseen once per query. Feeds where a count is a round trip and a pass
  // over the window (Neo4j) override it to read the union of the windows once, so that the
  // trigger loop's cost does not grow with models x unseen records.
  [[nodiscard]] virtual Result<std::vector<UnseenSummary>> CountUnseenMany(
      std::span<const UnseenQuery> queries, std::string_view upto) {
    std::vector<UnseenSummary> out;
    out.reserve(queries.size());
    for (const auto& q : queries) {
      auto u = CountUnseen(q.filter, q.after, upto);
      if (!u) return std::unexpected(u.error());
      out.push_back(std::move(*u));
    }
    return out;
  }

  // Describes the window (after, upto] for `filter`: count, first/last landing times and the
  // ingestion jobs it covers with their record counts. `after`/`upto` are copied into the result.
  [[nodiscard]] virtual Result<Window> DescribeWindow(const FeedFilter& filter,
                                                      std::string_view after,
                                                      std::string_view upto) = 0;

  // Streams the records of (after, upto] matching `filter` in feed order. `fn` returns false
  // to stop early. Never loads the whole window into memory.
  [[nodiscard]] virtual Status Scan(const FeedFilter& filter, std::string_view after,
                                    std::string_view upto,
                                    const std::function<bool(const FeedRecord&)>& fn) = 0;

  // Blocks until the feed may have changed or `timeout_ms` passed. Returns true when a change
  // was seen. Feeds without notifications sleep up to the timeout and return true.
  virtual bool WaitForChange(int64_t timeout_ms) = 0;

  // A URI another process (the worker) can open to read this same feed.
  virtual std::string Uri() const = 0;

  // Checks that the feed is reachable (for /readyz).
  [[nodiscard]] virtual Status Ping() = 0;
};

}  // namespace retrain
