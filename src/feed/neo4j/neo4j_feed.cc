#include "feed/neo4j/neo4j_feed.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "feed/neo4j/neo4j_cursor.h"
#include "feed/neo4j/neo4j_queries.h"
#include "feed/neo4j/value_json.h"

namespace retrain {

using neo4j::FeedPosition;

namespace {

constexpr int64_t kDay = 86400;

bool Less(const FeedPosition& a, const FeedPosition& b) {
  return std::tie(a.seconds, a.nanoseconds, a.element_id) <
         std::tie(b.seconds, b.nanoseconds, b.element_id);
}

int64_t ToMs(int64_t s, int64_t ns) { return s * 1000 + ns / 1'000'000; }

int64_t IntAt(const bolt::List& row, size_t i) {
  const auto* v = i < row.size() ? row[i].Get<int64_t>() : nullptr;
  return v != nullptr ? *v : 0;
}

std::string StringAt(const bolt::List& row, size_t i) {
  const auto* v = i < row.size() ? row[i].Get<std::string>() : nullptr;
  return v != nullptr ? *v : std::string();
}

// Seconds of 00:00 UTC on the day "YYYY-MM-DD" that starts `text`.
std::optional<int64_t> DayStart(const std::string& text) {
  if (text.size() < 10) return std::nullopt;
  auto p = neo4j::DecodeCursor(text.substr(0, 10) + "T00:00:00.000000000Z|x");
  if (!p) return std::nullopt;
  return p->seconds;
}

}  // namespace

Neo4jFeed::Neo4jFeed(Neo4jFeedOptions options, bolt::BoltConfig config)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &system_clock_),
      pool_(std::move(config)) {}

Result<std::unique_ptr<Neo4jFeed>> Neo4jFeed::Create(const Neo4jFeedOptions& options) {
  auto address = bolt::ParseBoltUri(options.uri);
  if (!address) return std::unexpected(address.error());
  if (options.fetch_size == 0 || options.fetch_size < -1) {
    return Fail(ErrorCode::kInvalidArgument, "The Neo4j fetch size must be positive (or -1).");
  }
  bolt::BoltConfig config;
  config.address = *address;
  config.user = !options.user.empty()    ? options.user
                : !address->user.empty() ? address->user
                                         : std::string("neo4j");
  config.password = !options.password.empty() ? options.password : address->password;
  config.ca_file = options.ca_file;
  config.connect_timeout_ms = options.connect_timeout_ms;
  config.read_timeout_ms = options.query_timeout_ms;
  config.address.user.clear();
  config.address.password.clear();
  std::unique_ptr<Neo4jFeed> feed(new Neo4jFeed(options, std::move(config)));
  if (auto s = feed->Ping(); !s) return std::unexpected(s.error());
  if (options.ensure_index) {
    if (auto s = feed->EnsureIndex(); !s) return std::unexpected(s.error());
  }
  return feed;
}

Result<bolt::QuerySummary> Neo4jFeed::Query(std::string_view cypher, const bolt::Dict& params,
                                            const bolt::RecordFn& fn, int64_t fetch_size) {
  bolt::RunOptions run{options_.database, fetch_size, true};
  for (int attempt = 0;; ++attempt) {
    auto lease = attempt == 0 ? pool_.Acquire() : pool_.AcquireFresh();
    if (!lease) return std::unexpected(lease.error());
    bool delivered = false;
    bolt::RecordFn wrapped;
    if (fn) {
      wrapped = [&](const bolt::List& row) {
        delivered = true;
        return fn(row);
      };
    }
    auto result = (*lease)->Run(cypher, params, wrapped, run);
    if (result) return result;
    // A pooled connection may have died while idle (server restart): try once more fresh.
    if (attempt == 0 && lease->reused() && !delivered && !(*lease)->usable()) continue;
    return std::unexpected(result.error());
  }
}

Status Neo4jFeed::Ping() {
  auto r = Query("RETURN 1", {}, nullptr);
  if (!r) return std::unexpected(r.error());
  return {};
}

Status Neo4jFeed::EnsureIndex() {
  const std::string name(neo4j::kIndexName);
  bool exists = false;
  auto shown = Query(
      "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties\n"
      "WHERE type = 'RANGE' AND entityType = 'NODE' AND labelsOrTypes = ['Entity'] "
      "AND properties = ['updated_at'] RETURN name",
      {}, [&](const bolt::List&) {
        exists = true;
        return true;
      });
  if (shown && exists) return {};
  auto lease = pool_.Acquire();
  if (!lease) return std::unexpected(lease.error());
  bolt::RunOptions write{options_.database, -1, false};
  auto created = (*lease)->Run(
      "CREATE RANGE INDEX " + name + " IF NOT EXISTS FOR (n:Entity) ON (n.updated_at)", {}, nullptr,
      write);
  if (!created) {
    if (created.error().code == ErrorCode::kPermissionDenied) {
      return Fail(ErrorCode::kPermissionDenied,
                  "The Neo4j user " + pool_.config().user +
                      " may not create the range index on :Entity(updated_at) in database " +
                      options_.database +
                      ", which the feed needs; grant it the CREATE INDEX privilege or have an "
                      "administrator run: CREATE RANGE INDEX " +
                      name + " IF NOT EXISTS FOR (n:Entity) ON (n.updated_at).");
    }
    return std::unexpected(created.error());
  }
  spdlog::info("Created the range index {} on :Entity(updated_at) in Neo4j database {}.", name,
               options_.database);
  // Queries work while the index populates, only slower; wait a little for it.
  (void)(*lease)->Run("CALL db.awaitIndex($name, 60)", {{"name", name}}, nullptr, write);
  return {};
}

Result<std::string> Neo4jFeed::Head() {
  const int64_t cut_ms = clock_->NowMs() - options_.settle_lag_ms;
  const int64_t cut_s = cut_ms >= 0 ? cut_ms / 1000 : (cut_ms - 999) / 1000;
  const int64_t cut_ns = (cut_ms - cut_s * 1000) * 1'000'000;
  std::optional<FeedPosition> best;
  auto consider = [&](const bolt::List& row) {
    if (auto p = neo4j::PositionFromList(row.at(0)); p && (!best || Less(*best, *p))) best = p;
    return true;
  };

  // DateTime values: the newest value at or before the cut through the index, then the
  // newest (instant, elementId) among the values of that last second.
  int64_t hi = cut_s + 1;
  for (int i = 0; i < 32; ++i) {
    std::optional<bolt::DateTime> top;
    auto r = Query(neo4j::HeadDateTimeTopQuery(), {{"hi", neo4j::UtcDateTime(hi, cut_ns)}},
                   [&](const bolt::List& row) {
                     if (auto* t = row.at(0).Get<bolt::DateTime>()) top = *t;
                     if (auto* t = row.at(0).Get<bolt::DateTimeZoneId>()) {
                       top = bolt::DateTime{t->seconds, t->nanoseconds, 0};
                     }
                     return true;
                   });
    if (!r) return std::unexpected(r.error());
    if (!top) break;
    const int64_t lo = top->seconds - 1;
    auto c = Query(neo4j::HeadDateTimeCandidatesQuery(),
                   {{"lo", neo4j::UtcDateTime(lo)},
                    {"hi", neo4j::UtcDateTime(cut_s + 1, cut_ns)},
                    {"cut_s", cut_s},
                    {"cut_ns", cut_ns}},
                   consider);
    if (!c) return std::unexpected(c.error());
    if (best) break;
    hi = lo;
  }

  // ISO strings: the largest string below the cut's day + 2, then the parsed candidates of
  // the days around it (local dates differ from UTC dates by less than a day).
  std::string hi_str = neo4j::DayText(cut_s + 2 * kDay);
  std::optional<FeedPosition> best_string;
  for (int i = 0; i < 32 && !best_string; ++i) {
    std::string top;
    auto r = Query(neo4j::HeadStringTopQuery(), {{"hi_str", hi_str}}, [&](const bolt::List& row) {
      top = StringAt(row, 0);
      return true;
    });
    if (!r) return std::unexpected(r.error());
    if (top.empty()) break;
    auto day = DayStart(top);
    if (!day) {
      return Fail(ErrorCode::kInvalidArgument,
                  "An :Entity node has updated_at '" + top + "', which is not an ISO date-time.");
    }
    int64_t lo = *day - 2 * kDay;
    for (int j = 0; j < 8; ++j) {
      std::optional<FeedPosition> found;
      auto c = Query(neo4j::HeadStringCandidatesQuery(),
                     {{"lo_str", neo4j::DayText(lo)},
                      {"hi_str", hi_str},
                      {"cut_s", cut_s},
                      {"cut_ns", cut_ns}},
                     [&](const bolt::List& row) {
                       found = neo4j::PositionFromList(row.at(0));
                       return true;
                     });
      if (!c) return std::unexpected(c.error());
      if (!found) break;
      best_string = found;
      // Strings dated before `lo` denote instants before lo + 1 day.
      if (found->seconds >= lo + kDay) break;
      lo -= 2 * kDay;
    }
    hi_str = neo4j::DayText(lo);
  }
  if (best_string && (!best || Less(*best, *best_string))) best = best_string;

  std::string head = best ? neo4j::EncodeCursor(*best) : std::string();
  std::lock_guard lock(mu_);
  last_head_ = head;
  return head;
}

Result<UnseenSummary> Neo4jFeed::CountUnseen(const FeedFilter& filter, std::string_view after,
                                             std::string_view upto) {
  UnseenSummary summary;
  if (upto.empty() || (!after.empty() && after >= upto)) return summary;
  auto params = neo4j::WindowParams(filter, after, upto);
  if (!params) return std::unexpected(params.error());
  bool got_row = false;
  auto r = Query(neo4j::CountQuery(), *params, [&](const bolt::List& row) {
    got_row = true;
    summary.count = IntAt(row, 0);
    if (auto first = neo4j::PositionFromList(row.at(1))) {
      summary.oldest_landed_ms = ToMs(first->seconds, first->nanoseconds);
    }
    if (auto last = neo4j::PositionFromList(row.at(2))) {
      summary.last_cursor = neo4j::EncodeCursor(*last);
    }
    return true;
  });
  if (!r) return std::unexpected(r.error());
  if (!got_row) return Fail(ErrorCode::kUnavailable, "Neo4j returned no row for a count.");
  return summary;
}

Result<std::vector<UnseenSummary>> Neo4jFeed::CountUnseenMany(std::span<const UnseenQuery> queries,
                                                              std::string_view upto) {
  std::vector<UnseenSummary> out(queries.size());
  if (upto.empty()) return out;
  // The distinct watermarks below `upto`, in feed order: window k is (starts[k], starts[k+1]],
  // the last one ends at `upto`.
  std::vector<std::string> starts;
  for (const auto& q : queries) {
    if (q.after.empty() || q.after < upto) starts.push_back(q.after);
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  if (starts.empty()) return out;
  bolt::List windows;
  windows.reserve(starts.size());
  for (size_t k = 0; k < starts.size(); ++k) {
    std::string_view end = k + 1 < starts.size() ? std::string_view(starts[k + 1]) : upto;
    auto params = neo4j::WindowParams({}, starts[k], end);
    if (!params) return std::unexpected(params.error());
    std::erase_if(*params, [](const auto& kv) { return kv.first == "types"; });
    params->emplace_back("i", static_cast<int64_t>(k));
    windows.emplace_back(std::move(*params));
  }

  // What a set of records adds up to; `et` is nullopt for records without an entity type.
  struct Part {
    int64_t count = 0;
    std::optional<FeedPosition> first, last;
    void Add(const Part& o) {
      count += o.count;
      if (o.first && (!first || Less(*o.first, *first))) first = o.first;
      if (o.last && (!last || Less(*last, *o.last))) last = o.last;
    }
  };
  using ByType = std::map<std::optional<std::string>, Part>;
  std::vector<ByType> parts(starts.size());
  auto r = Query(neo4j::CountByWindowQuery(), {{"windows", std::move(windows)}},
                 [&](const bolt::List& row) {
                   const int64_t k = IntAt(row, 0);
                   if (k < 0 || static_cast<size_t>(k) >= parts.size()) return true;
                   std::optional<std::string> et;
                   if (const auto* t = row.at(1).Get<std::string>()) et = *t;
                   Part part;
                   part.count = IntAt(row, 2);
                   part.first = neo4j::PositionFromList(row.at(3));
                   part.last = neo4j::PositionFromList(row.at(4));
                   parts[static_cast<size_t>(k)][et].Add(part);
                   return true;
                 });
  if (!r) return std::unexpected(r.error());

  // From the newest window back: what lies after starts[k], per entity type.
  std::vector<ByType> after(starts.size());
  for (size_t k = starts.size(); k-- > 0;) {
    if (k + 1 < starts.size()) after[k] = after[k + 1];
    for (const auto& [et, part] : parts[k]) after[k][et].Add(part);
  }
  for (size_t j = 0; j < queries.size(); ++j) {
    const auto& q = queries[j];
    if (!q.after.empty() && q.after >= upto) continue;
    const size_t k = static_cast<size_t>(std::lower_bound(starts.begin(), starts.end(), q.after) -
                                         starts.begin());
    const std::set<std::string> types(q.filter.entity_types.begin(), q.filter.entity_types.end());
    Part sum;
    for (const auto& [et, part] : after[k]) {
      if (types.empty() || (et && types.contains(*et))) sum.Add(part);
    }
    out[j].count = sum.count;
    if (sum.first) out[j].oldest_landed_ms = ToMs(sum.first->seconds, sum.first->nanoseconds);
    if (sum.last) out[j].last_cursor = neo4j::EncodeCursor(*sum.last);
  }
  return out;
}

Result<Window> Neo4jFeed::DescribeWindow(const FeedFilter& filter, std::string_view after,
                                         std::string_view upto) {
  Window w;
  w.after = std::string(after);
  w.upto = std::string(upto);
  if (upto.empty() || (!after.empty() && after >= upto)) return w;
  auto params = neo4j::WindowParams(filter, after, upto);
  if (!params) return std::unexpected(params.error());
  auto r = Query(neo4j::DescribeQuery(), *params, [&](const bolt::List& row) {
    const int64_t count = IntAt(row, 1);
    w.records += count;
    w.ingestion_jobs.emplace_back(StringAt(row, 0), count);
    if (auto first = neo4j::PositionFromList(row.at(2))) {
      int64_t ms = ToMs(first->seconds, first->nanoseconds);
      w.start_ms = w.start_ms ? std::min(*w.start_ms, ms) : ms;
    }
    if (auto last = neo4j::PositionFromList(row.at(3))) {
      int64_t ms = ToMs(last->seconds, last->nanoseconds);
      w.end_ms = w.end_ms ? std::max(*w.end_ms, ms) : ms;
    }
    return true;
  });
  if (!r) return std::unexpected(r.error());
  return w;
}

Status Neo4jFeed::Scan(const FeedFilter& filter, std::string_view after, std::string_view upto,
                       const std::function<bool(const FeedRecord&)>& fn) {
  if (upto.empty() || (!after.empty() && after >= upto)) return {};
  auto params = neo4j::WindowParams(filter, after, upto);
  if (!params) return std::unexpected(params.error());
  FeedRecord record;
  auto r = Query(
      neo4j::ScanQuery(), *params,
      [&](const bolt::List& row) {
        const int64_t s = IntAt(row, 0), ns = IntAt(row, 1);
        record.cursor = neo4j::EncodeCursor({s, ns, StringAt(row, 2)});
        record.entity_type = StringAt(row, 3);
        record.ingestion_job = StringAt(row, 4);
        record.landed_at_ms = ToMs(s, ns);
        const auto* props = row.size() > 5 ? row[5].Get<bolt::Dict>() : nullptr;
        record.payload_json =
            props ? neo4j::DictToJson(*props, {"ingestion_job", "updated_at"}) : "{}";
        return fn(record);
      },
      options_.fetch_size);
  if (!r) return std::unexpected(r.error());
  return {};
}

bool Neo4jFeed::WaitForChange(int64_t timeout_ms) {
  using std::chrono::steady_clock;
  const auto deadline = steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string seen;
  {
    std::lock_guard lock(mu_);
    seen = last_head_;
  }
  while (true) {
    auto head = Head();
    auto now = steady_clock::now();
    if (!head) {
      // A failure is for the caller to see, after one poll interval: a feed that is down is
      // not tried again in a tight loop.
      std::this_thread::sleep_for(std::min<steady_clock::duration>(
          std::chrono::milliseconds(options_.poll_interval_ms),
          std::max<steady_clock::duration>(deadline - now, steady_clock::duration::zero())));
      return true;
    }
    if (*head != seen) return true;
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<steady_clock::duration>(
        std::chrono::milliseconds(options_.poll_interval_ms), deadline - now));
  }
}

std::string Neo4jFeed::Uri() const { return bolt::FormatBoltUri(pool_.config().address); }

}  // namespace retrain
