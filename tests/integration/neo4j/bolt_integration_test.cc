// The Bolt client against a real Neo4j 5 (started by tests/integration/neo4j/run).
#include <gtest/gtest.h>

#include <cstdlib>

#include "feed/neo4j/bolt/connection.h"
#include "feed/neo4j/bolt/pool.h"
#include "integration_env.h"

namespace retrain::bolt {
namespace {

using testenv::Config;

std::vector<List> Collect(BoltConnection& c, const std::string& q, const Dict& params = {},
                          int64_t fetch = 1000) {
  std::vector<List> rows;
  auto r = c.Run(q, params,
                 [&](const List& row) {
                   rows.push_back(row);
                   return true;
                 },
                 {"neo4j", fetch});
  EXPECT_TRUE(r.has_value()) << q << ": " << (r ? "" : r.error().message);
  return rows;
}

Value One(BoltConnection& c, const std::string& q, const Dict& params = {}) {
  auto rows = Collect(c, q, params);
  EXPECT_EQ(rows.size(), 1u) << q;
  return rows.empty() || rows[0].empty() ? Value() : rows[0][0];
}

std::unique_ptr<BoltConnection> Connect(BoltConfig config = Config()) {
  auto c = BoltConnection::Open(config);
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
  return c ? std::move(*c) : nullptr;
}

TEST(Bolt, HandshakeNegotiatesBolt5AndLogsIn) {
  auto c = Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->version().major, 5);
  EXPECT_GE(c->version().minor, 4);
  EXPECT_EQ(c->server_agent().rfind("Neo4j/5.", 0), 0u) << c->server_agent();
  EXPECT_EQ(One(*c, "RETURN 1 + 1"), Value(int64_t{2}));
}

TEST(Bolt, WrongPasswordIsOneClearUnauthenticatedError) {
  BoltConfig config = Config();
  config.password = "not-the-password";
  auto c = BoltConnection::Open(config);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(c.error().message, "Neo4j rejected the credentials for user " + config.user + ".");
}

TEST(Bolt, ConnectionRefusedIsUnavailable) {
  BoltConfig config = Config();
  config.address.port = testenv::ClosedPort();
  auto c = BoltConnection::Open(config);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(c.error().message.find("refused"), std::string::npos) << c.error().message;
}

TEST(Bolt, TlsSelfSignedAndVerified) {
  BoltConfig ssc = Config();
  ssc.address.tls = TlsMode::kSelfSigned;
  auto a = Connect(ssc);
  ASSERT_TRUE(a);
  EXPECT_EQ(One(*a, "RETURN 'tls'"), Value("tls"));

  BoltConfig verify = Config();
  verify.address.tls = TlsMode::kVerify;
  verify.address.host = "localhost";
  verify.ca_file = testenv::Env("NEO4J_TLS_CA");
  auto b = Connect(verify);
  ASSERT_TRUE(b);
  EXPECT_EQ(One(*b, "RETURN 2"), Value(int64_t{2}));

  verify.ca_file.clear();  // the self-signed certificate is not trusted by the system
  auto c = BoltConnection::Open(verify);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(c.error().message.find("+ssc"), std::string::npos) << c.error().message;
}

TEST(Bolt, EveryPackStreamTypeFromRealQueries) {
  auto c = Connect();
  ASSERT_TRUE(c);
  auto rows = Collect(*c,
                      "RETURN null, true, false, 1, -17, 200, 40000, 4294967296, "
                      "-9223372036854775808, 9223372036854775807, 1.5, 'Größe', null AS n2, "
                      "[1, 'two', [3.0]], {a: {b: [true]}}");
  ASSERT_EQ(rows.size(), 1u);
  const List& r = rows[0];
  EXPECT_TRUE(r[0].IsNull());
  EXPECT_EQ(r[1], Value(true));
  EXPECT_EQ(r[2], Value(false));
  EXPECT_EQ(r[3], Value(int64_t{1}));
  EXPECT_EQ(r[4], Value(int64_t{-17}));
  EXPECT_EQ(r[5], Value(int64_t{200}));
  EXPECT_EQ(r[6], Value(int64_t{40000}));
  EXPECT_EQ(r[7], Value(int64_t{4294967296}));
  EXPECT_EQ(r[8], Value(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(r[9], Value(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(r[10], Value(1.5));
  EXPECT_EQ(r[11], Value("Größe"));
  EXPECT_TRUE(r[12].IsNull());
  EXPECT_EQ(r[13], Value(List{int64_t{1}, "two", List{3.0}}));
  EXPECT_EQ(r[14], Value(Dict{{"a", Dict{{"b", List{true}}}}}));

  Bytes bytes{{0, 1, 2, 255}};
  EXPECT_EQ(One(*c, "RETURN $b", {{"b", bytes}}), Value(bytes));

  auto t = Collect(*c,
                   "RETURN date('2026-11-26'), time('06:30:00.5+01:00'), localtime('06:30'), "
                   "datetime('2026-11-26T07:30:00+01:00'), "
                   "datetime('2026-11-26T07:30:00[Europe/Paris]'), "
                   "localdatetime('2026-11-26T06:30:00'), duration('P1Y2M3DT4H5M6.5S'), "
                   "point({x: 1.5, y: 2.5}), point({x: 1, y: 2, z: 3}), "
                   "point({latitude: 51.5, longitude: -0.1})");
  ASSERT_EQ(t.size(), 1u);
  const List& v = t[0];
  EXPECT_EQ(v[0], Value(Date{20783}));
  EXPECT_EQ(v[1], Value(Time{(6 * 3600 + 30 * 60) * 1'000'000'000LL + 500'000'000, 3600}));
  EXPECT_EQ(v[2], Value(LocalTime{(6 * 3600 + 30 * 60) * 1'000'000'000LL}));
  EXPECT_EQ(v[3], Value(DateTime{1795674600, 0, 3600}));
  EXPECT_EQ(v[4], Value(DateTimeZoneId{1795674600, 0, "Europe/Paris"}));
  EXPECT_EQ(v[5], Value(LocalDateTime{1795674600, 0}));
  EXPECT_EQ(v[6], Value(Duration{14, 3, 4 * 3600 + 5 * 60 + 6, 500'000'000}));
  EXPECT_EQ(v[7], Value(Point2D{7203, 1.5, 2.5}));
  EXPECT_EQ(v[8], Value(Point3D{9157, 1, 2, 3}));
  EXPECT_EQ(v[9], Value(Point2D{4326, -0.1, 51.5}));
  // Temporal and spatial values also go the other way, as parameters.
  EXPECT_EQ(One(*c, "RETURN $d = date('2026-11-26') AND $p.x = 1.5",
                {{"d", Date{20783}}, {"p", Point2D{7203, 1.5, 2}}}),
            Value(true));

  ASSERT_TRUE(c->Begin({"neo4j"}).has_value());
  auto g =
      Collect(*c,
              "CREATE p = (a:Probe {name: 'a'})-[r:KNOWS {since: 1999}]->(b:Probe {name: 'b'}) "
              "RETURN a, r, p");
  ASSERT_TRUE(c->Rollback().has_value());
  ASSERT_EQ(g.size(), 1u);
  const Node* a = g[0][0].Get<Node>();
  const Relationship* rel = g[0][1].Get<Relationship>();
  const Path* path = g[0][2].Get<Path>();
  ASSERT_TRUE(a && rel && path);
  EXPECT_EQ(a->labels, std::vector<std::string>{"Probe"});
  EXPECT_EQ(*g[0][0].Get<Node>()->properties[0].second.Get<std::string>(), "a");
  EXPECT_FALSE(a->element_id.empty());
  EXPECT_EQ(rel->type, "KNOWS");
  EXPECT_EQ(rel->start_element_id, a->element_id);
  ASSERT_EQ(path->nodes.size(), 2u);
  ASSERT_EQ(path->rels.size(), 1u);
  EXPECT_EQ(path->rels[0].type, "KNOWS");
  EXPECT_EQ(path->indices, (std::vector<int64_t>{1, 1}));
}

TEST(Bolt, StreamsWithASmallFetchSizeAndStopsEarly) {
  auto c = Connect();
  ASSERT_TRUE(c);
  int64_t expected = 1, pulled = 0;
  auto r = c->Run("UNWIND range(1, 10000) AS i RETURN i", {},
                  [&](const List& row) {
                    EXPECT_EQ(row[0], Value(expected++));
                    ++pulled;
                    return true;
                  },
                  {"neo4j", 7});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(pulled, 10000);
  EXPECT_EQ(r->fields, std::vector<std::string>{"i"});

  auto stop = c->Run("UNWIND range(1, 100000) AS i RETURN i", {},
                     [&](const List&) { return false; }, {"neo4j", 50});
  ASSERT_TRUE(stop.has_value());
  EXPECT_TRUE(stop->stopped);
  EXPECT_EQ(stop->records, 1);
  EXPECT_EQ(One(*c, "RETURN 'still usable'"), Value("still usable"));
}

TEST(Bolt, TransactionsCommitAndRollBack) {
  auto c = Connect();
  ASSERT_TRUE(c);
  (void)Collect(*c, "MATCH (n:TxProbe) DELETE n");
  ASSERT_TRUE(c->Begin({"neo4j"}).has_value());
  EXPECT_TRUE(c->in_transaction());
  (void)Collect(*c, "CREATE (:TxProbe {k: 1})");
  EXPECT_EQ(One(*c, "MATCH (n:TxProbe) RETURN count(n)"), Value(int64_t{1}));
  ASSERT_TRUE(c->Rollback().has_value());
  EXPECT_EQ(One(*c, "MATCH (n:TxProbe) RETURN count(n)"), Value(int64_t{0}));
  ASSERT_TRUE(c->Begin({"neo4j"}).has_value());
  (void)Collect(*c, "CREATE (:TxProbe {k: 2})");
  ASSERT_TRUE(c->Commit().has_value());
  EXPECT_EQ(One(*c, "MATCH (n:TxProbe) RETURN count(n)"), Value(int64_t{1}));
  (void)Collect(*c, "MATCH (n:TxProbe) DELETE n");
}

TEST(Bolt, ResetAfterAFailureKeepsTheConnectionUsable) {
  auto c = Connect();
  ASSERT_TRUE(c);
  auto bad = c->Run("RETRUN 1", {}, nullptr, {"neo4j"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  ASSERT_FALSE(bad.error().details.empty());
  EXPECT_EQ(std::get<std::string>(bad.error().details[0].second),
            "Neo.ClientError.Statement.SyntaxError");
  EXPECT_EQ(One(*c, "RETURN 'after reset'"), Value("after reset"));

  ASSERT_TRUE(c->Begin({"neo4j"}).has_value());
  auto div = c->Run("RETURN 1 / 0", {}, nullptr);
  ASSERT_FALSE(div.has_value());
  EXPECT_FALSE(c->in_transaction());
  EXPECT_TRUE(c->usable());
  EXPECT_EQ(One(*c, "RETURN 3"), Value(int64_t{3}));

  auto nodb = c->Run("RETURN 1", {}, nullptr, {"no-such-database"});
  ASSERT_FALSE(nodb.has_value());
  EXPECT_EQ(nodb.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(One(*c, "RETURN 4"), Value(int64_t{4}));
}

TEST(Bolt, PoolReusesConnections) {
  BoltPool pool(Config(), 2);
  {
    auto a = pool.Acquire();
    ASSERT_TRUE(a.has_value());
    EXPECT_FALSE(a->reused());
  }
  EXPECT_EQ(pool.idle(), 1u);
  auto b = pool.Acquire();
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->reused());
  EXPECT_EQ(One(**b, "RETURN 5"), Value(int64_t{5}));
}

}  // namespace
}  // namespace retrain::bolt
