// URI parsing, cursors and JSON rendering of the Neo4j feed (no server needed).
#include <gtest/gtest.h>

#include "feed/neo4j/bolt/bolt_uri.h"
#include "feed/neo4j/bolt/connection.h"
#include "feed/neo4j/neo4j_cursor.h"
#include "feed/neo4j/value_json.h"

namespace retrain {
namespace {

using bolt::ParseBoltUri;
using bolt::TlsMode;

TEST(BoltUri, ParsesEverySchemeAndDefaultPort) {
  struct Case {
    const char* uri;
    TlsMode tls;
    bool routing;
  } cases[] = {
      {"bolt://h", TlsMode::kNone, false},           {"bolt+s://h", TlsMode::kVerify, false},
      {"bolt+ssc://h", TlsMode::kSelfSigned, false}, {"neo4j://h", TlsMode::kNone, true},
      {"neo4j+s://h", TlsMode::kVerify, true},       {"NEO4J+SSC://h", TlsMode::kSelfSigned, true}};
  for (const auto& c : cases) {
    auto a = ParseBoltUri(c.uri);
    ASSERT_TRUE(a.has_value()) << c.uri;
    EXPECT_EQ(a->host, "h");
    EXPECT_EQ(a->port, 7687);
    EXPECT_EQ(a->tls, c.tls) << c.uri;
    EXPECT_EQ(a->routing, c.routing) << c.uri;
  }
}

TEST(BoltUri, UserInfoPortIpv6AndQuery) {
  auto a = ParseBoltUri("bolt://neo4j:p%40ss@db.example:7688/?policy=x");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->user, "neo4j");
  EXPECT_EQ(a->password, "p@ss");
  EXPECT_EQ(a->host, "db.example");
  EXPECT_EQ(a->port, 7688);
  EXPECT_EQ(bolt::FormatBoltUri(*a), "bolt://db.example:7688");
  auto v6 = ParseBoltUri("neo4j+s://[::1]:9999");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(bolt::FormatBoltUri(*v6), "neo4j+s://[::1]:9999");
}

TEST(BoltUri, RejectsBadInput) {
  for (const char* uri : {"http://h", "bolt://", "bolt://h:0", "bolt://h:70000", "bolt://h:x",
                          "h:7687", "bolt://[::1"}) {
    auto a = ParseBoltUri(uri);
    ASSERT_FALSE(a.has_value()) << uri;
    EXPECT_EQ(a.error().code, ErrorCode::kInvalidArgument);
  }
  // The password never appears in the message.
  auto a = ParseBoltUri("bolt://u:secret@h:99999");
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().message.find("secret"), std::string::npos);
}

TEST(Neo4jErrors, MapCodesByWhatTheCallerShouldDo) {
  auto e = bolt::Neo4jError("Neo.ClientError.Security.Unauthorized", "x", "alice");
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(e.message, "Neo4j rejected the credentials for user alice.");
  EXPECT_EQ(bolt::Neo4jError("Neo.ClientError.Security.Forbidden", "no", "a").code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(bolt::Neo4jError("Neo.ClientError.Statement.SyntaxError", "bad", "a").code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(bolt::Neo4jError("Neo.TransientError.General.DatabaseUnavailable", "", "a").code,
            ErrorCode::kUnavailable);
  EXPECT_EQ(bolt::Neo4jError("Neo.ClientError.Database.DatabaseNotFound", "", "a").code,
            ErrorCode::kNotFound);
}

TEST(Neo4jCursor, RoundTripsAndSortsLikeThePair) {
  neo4j::FeedPosition p{1795674600, 123456789, "4:abc:12"};
  std::string c = neo4j::EncodeCursor(p);
  EXPECT_EQ(c, "2026-11-26T06:30:00.123456789Z|4:abc:12");
  auto back = neo4j::DecodeCursor(c);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->seconds, p.seconds);
  EXPECT_EQ(back->nanoseconds, p.nanoseconds);
  EXPECT_EQ(back->element_id, p.element_id);
  // Earlier instant sorts first whatever the element ids; equal instants sort by element id.
  EXPECT_LT(neo4j::EncodeCursor({1, 999999999, "9"}), neo4j::EncodeCursor({2, 0, "1"}));
  EXPECT_LT(neo4j::EncodeCursor({2, 0, "4:a:10"}), neo4j::EncodeCursor({2, 0, "4:a:9"}));
  EXPECT_LT(neo4j::EncodeCursor({-86400, 0, "x"}), neo4j::EncodeCursor({0, 0, "x"}));
  auto pre = neo4j::DecodeCursor(neo4j::EncodeCursor({-86399, 5, "x"}));
  ASSERT_TRUE(pre.has_value());
  EXPECT_EQ(pre->seconds, -86399);
  for (const char* bad : {"", "2026-11-26T06:30:00Z|x", "2026-13-26T06:30:00.000000000Z|x",
                          "2026-11-26T06:30:00.000000000Z|", "garbage"}) {
    EXPECT_FALSE(neo4j::DecodeCursor(bad).has_value()) << bad;
  }
}

TEST(ValueJson, TemporalValuesAreIsoText) {
  using namespace bolt;
  EXPECT_EQ(neo4j::TemporalToIso(Value(Date{20783})), "2026-11-26");
  EXPECT_EQ(
      neo4j::TemporalToIso(Value(LocalTime{(6 * 3600 + 30 * 60) * 1'000'000'000LL + 500'000'000})),
      "06:30:00.5");
  EXPECT_EQ(neo4j::TemporalToIso(Value(Time{0, -5400})), "00:00:00-01:30");
  EXPECT_EQ(neo4j::TemporalToIso(Value(DateTime{1795674600, 0, 3600})),
            "2026-11-26T07:30:00+01:00");
  EXPECT_EQ(neo4j::TemporalToIso(Value(DateTime{1795674600, 120000000, 0})),
            "2026-11-26T06:30:00.12Z");
  EXPECT_EQ(neo4j::TemporalToIso(Value(DateTimeZoneId{1795674600, 0, "Europe/Paris"})),
            "2026-11-26T06:30:00Z[Europe/Paris]");
  EXPECT_EQ(neo4j::TemporalToIso(Value(LocalDateTime{-1, 0})), "1969-12-31T23:59:59");
  EXPECT_EQ(neo4j::TemporalToIso(Value(Duration{14, 3, 3723, 500'000'000})), "P1Y2M3DT1H2M3.5S");
  EXPECT_EQ(neo4j::TemporalToIso(Value(Duration{})), "PT0S");
}

TEST(ValueJson, PropertiesBecomeAJsonObject) {
  using namespace bolt;
  Dict props{{"ingestion_job", "j"},   {"updated_at", DateTime{0, 0, 0}},
             {"score", 0.5},           {"label", int64_t{1}},
             {"tags", List{"a", "b"}}, {"raw", Bytes{{1, 2, 3, 4}}},
             {"seen", Date{0}},        {"where", Point2D{4326, 1.5, 2}}};
  EXPECT_EQ(neo4j::DictToJson(props, {"ingestion_job", "updated_at"}),
            R"({"label":1,"raw":"AQIDBA==","score":0.5,"seen":"1970-01-01","tags":["a","b"],)"
            R"("where":{"srid":4326,"x":1.5,"y":2.0}})");
}

}  // namespace
}  // namespace retrain
