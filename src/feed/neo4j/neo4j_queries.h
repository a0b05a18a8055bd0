#pragma once
// The Cypher text and parameters of the Neo4j feed's queries (see neo4j_feed.h for the
// design: a DateTime range seek and a widened string range seek on :Entity(updated_at),
// joined by UNION ALL, then the exact (instant, elementId) bounds). Pure, thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "feed/feed_source.h"
#include "feed/neo4j/bolt/packstream.h"
#include "feed/neo4j/neo4j_cursor.h"

namespace retrain::neo4j {

inline constexpr std::string_view kIndexName = "retrain_entity_updated_at";

// Parameters of the window (after, upto] for `filter`. `after` may be "" (from the start).
// Errors: kInvalidArgument for malformed cursors.
[[nodiscard]] Result<bolt::Dict> WindowParams(const FeedFilter& filter, std::string_view after,
                                              std::string_view upto);

// RETURN c (count), first ([s, ns]), last ([s, ns, eid]) of the window.
std::string CountQuery();
// Counts per window and entity type for CountUnseenMany: $windows is a list of maps holding
// WindowParams (without types) and an index i; one row per (window, entity type) present:
// i, et, c, first ([s, ns]), last ([s, ns, eid]). Each window is read once.
std::string CountByWindowQuery();
// One row per ingestion job: job, c, first ([s, ns, eid]), last ([s, ns]), ordered by first.
std::string DescribeQuery();
// RETURN s, ns, eid, et, job, props in feed order.
std::string ScanQuery();

// Head, DateTime branch: the newest DateTime value <= $hi (index-ordered, LIMIT 1), then the
// newest (s, ns, eid) with instant <= [$cut_s, $cut_ns] among values in [$lo, $hi].
std::string HeadDateTimeTopQuery();
std::string HeadDateTimeCandidatesQuery();
// Head, string branch: the largest string < $hi_str, then the newest parsed candidate in
// [$lo_str, $hi_str) with instant <= [$cut_s, $cut_ns].
std::string HeadStringTopQuery();
std::string HeadStringCandidatesQuery();

bolt::DateTime UtcDateTime(int64_t seconds, int64_t nanoseconds = 0);
// "YYYY-MM-DD" of the UTC day holding `seconds`.
std::string DayText(int64_t seconds);

// Reads [s, ns, eid] (or [s, ns]) from a query result value.
std::optional<FeedPosition> PositionFromList(const bolt::Value& value);

}  // namespace retrain::neo4j
