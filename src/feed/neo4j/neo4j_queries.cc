#include "feed/neo4j/neo4j_queries.h"

#include <limits>

#include "feed/neo4j/value_json.h"

namespace retrain::neo4j {
namespace {

constexpr int64_t kDay = 86400;
// 0001-01-01T00:00:00Z: the lower bound when a window starts at the beginning of the feed.
constexpr int64_t kFirstSecond = -62135596800;

// Candidates of a window from both representations of updated_at, with the exact bounds (and,
// with `typed`, the entity filter $types) applied. Binds n, s, ns, eid, et. `p` is how the
// window's parameters are reached: "$" for the query's own, "w." for a row `w` of $windows,
// which the subqueries then import.
std::string WindowClauses(std::string_view p, bool typed) {
  const std::string w(p);
  const bool row = p != "$";
  const std::string import = row ? "WITH w\n  " : "";
  std::string q = "CALL {\n  " + import + "MATCH (n:Entity) WHERE n.updated_at >= " + w +
                  "lo_dt AND n.updated_at <= " + w + "hi_dt\n" +
                  "  RETURN n, n.updated_at AS t\n"
                  "  UNION ALL\n  " +
                  import + "MATCH (n:Entity) WHERE n.updated_at >= " + w +
                  "lo_str AND n.updated_at < " + w + "hi_str\n" +
                  "  RETURN n, datetime(n.updated_at) AS t\n"
                  "}\n"
                  "WITH " +
                  (row ? "w, " : "") +
                  "n, t.epochSeconds AS s, t.nanosecond AS ns, elementId(n) AS eid\n"
                  "WHERE [s, ns, eid] > [" +
                  w + "a_s, " + w + "a_ns, " + w +
                  "a_eid] AND "
                  "[s, ns, eid] <= [" +
                  w + "b_s, " + w + "b_ns, " + w +
                  "b_eid]\n"
                  "WITH n, s, ns, eid, "
                  "coalesce(n.entity_type, head([l IN labels(n) WHERE l <> 'Entity'])) AS et\n";
  if (typed) q += "WHERE size($types) = 0 OR et IN $types\n";
  return q;
}

}  // namespace

bolt::DateTime UtcDateTime(int64_t seconds, int64_t nanoseconds) {
  return bolt::DateTime{seconds, nanoseconds, 0};
}

std::string DayText(int64_t seconds) { return FixedWidthUtc(seconds, 0).substr(0, 10); }

Result<bolt::Dict> WindowParams(const FeedFilter& filter, std::string_view after,
                                std::string_view upto) {
  FeedPosition a{kFirstSecond, 0, ""};
  int64_t a_s = std::numeric_limits<int64_t>::min();
  if (!after.empty()) {
    auto p = DecodeCursor(after);
    if (!p) return std::unexpected(p.error());
    a = *p;
    a_s = a.seconds;
  }
  auto b = DecodeCursor(upto);
  if (!b) return std::unexpected(b.error());
  bolt::List types;
  for (const auto& t : filter.entity_types) types.emplace_back(t);
  // The DateTime seek is widened by a second: Neo4j orders equal instants by their zone.
  return bolt::Dict{
      {"lo_dt", UtcDateTime(a.seconds - 1)},
      {"hi_dt", UtcDateTime(b->seconds + 1)},
      {"lo_str", after.empty() ? std::string("0000") : DayText(a.seconds - kDay)},
      {"hi_str", DayText(b->seconds + 2 * kDay)},
      {"a_s", a_s},
      {"a_ns", a.nanoseconds},
      {"a_eid", a.element_id},
      {"b_s", b->seconds},
      {"b_ns", b->nanoseconds},
      {"b_eid", b->element_id},
      {"types", std::move(types)},
  };
}

std::string CountQuery() {
  return WindowClauses("$", true) +
         "RETURN count(*) AS c, min([s, ns]) AS first, max([s, ns, eid]) AS last";
}

std::string CountByWindowQuery() {
  return "UNWIND $windows AS w\nCALL {\nWITH w\n" + WindowClauses("w.", false) +
         "RETURN et, count(*) AS c, min([s, ns]) AS first, max([s, ns, eid]) AS last\n}\n"
         "RETURN w.i AS i, et, c, first, last";
}

std::string DescribeQuery() {
  return WindowClauses("$", true) +
         "WITH n.ingestion_job AS job, count(*) AS c, min([s, ns, eid]) AS first, "
         "max([s, ns]) AS last\nRETURN job, c, first, last ORDER BY first";
}

std::string ScanQuery() {
  return WindowClauses("$", true) +
         "RETURN s, ns, eid, et, n.ingestion_job AS job, properties(n) AS props\n"
         "ORDER BY s, ns, eid";
}

std::string HeadDateTimeTopQuery() {
  return "MATCH (n:Entity) WHERE n.updated_at <= $hi\n"
         "RETURN n.updated_at AS t ORDER BY n.updated_at DESC LIMIT 1";
}

std::string HeadDateTimeCandidatesQuery() {
  return "MATCH (n:Entity) WHERE n.updated_at >= $lo AND n.updated_at <= $hi\n"
         "WITH n, n.updated_at AS t\n"
         "WITH t.epochSeconds AS s, t.nanosecond AS ns, elementId(n) AS eid\n"
         "WHERE [s, ns] <= [$cut_s, $cut_ns]\n"
         "RETURN max([s, ns, eid]) AS m";
}

std::string HeadStringTopQuery() {
  return "MATCH (n:Entity) WHERE n.updated_at < $hi_str\n"
         "RETURN n.updated_at AS t ORDER BY n.updated_at DESC LIMIT 1";
}

std::string HeadStringCandidatesQuery() {
  return "MATCH (n:Entity) WHERE n.updated_at >= $lo_str AND n.updated_at < $hi_str\n"
         "WITH n, datetime(n.updated_at) AS t\n"
         "WITH t.epochSeconds AS s, t.nanosecond AS ns, elementId(n) AS eid\n"
         "WHERE [s, ns] <= [$cut_s, $cut_ns]\n"
         "RETURN max([s, ns, eid]) AS m";
}

std::optional<FeedPosition> PositionFromList(const bolt::Value& value) {
  const auto* list = value.Get<bolt::List>();
  if (list == nullptr || list->size() < 2) return std::nullopt;
  const auto* s = (*list)[0].Get<int64_t>();
  const auto* ns = (*list)[1].Get<int64_t>();
  if (s == nullptr || ns == nullptr) return std::nullopt;
  FeedPosition p{*s, *ns, ""};
  if (list->size() >= 3) {
    if (const auto* e = (*list)[2].Get<std::string>()) p.element_id = *e;
  }
  return p;
}

}  // namespace retrain::neo4j
