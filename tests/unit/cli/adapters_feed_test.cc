// OpenFeedUri: URI dispatch to the adapters and the unknown-scheme error; OpenConfiguredFeed
// opens the configured feed without a URI.

#include <gtest/gtest.h>

#include <filesystem>

#include "../temp_dir.h"
#include "cli/adapters.h"

namespace retrain {
namespace {

FeedUriOptions Uri(const std::string& uri) {
  FeedUriOptions o;
  o.uri = uri;
  return o;
}

TEST(OpenFeedUriTest, Embedded) {
  testing::TempDir dir;
  auto f = OpenFeedUri(Uri("embedded:" + dir.path() + "/feed.db"));
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ((*f)->Uri(), "embedded:" + dir.path() + "/feed.db");
  EXPECT_EQ((*f)->Head().value_or("x"), "");
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/feed.db"));
}

TEST(OpenFeedUriTest, Fixtures) {
  testing::TempDir dir;
  dir.Write("one.json",
            R"({"job_id": "j", "ingested_at": "2026-11-26T06:35:10Z", "records": [{}]})");
  auto f = OpenFeedUri(Uri("fixtures:" + dir.path()));
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ((*f)->Uri(), "fixtures:" + dir.path());
  auto u = (*f)->CountUnseen({}, "", (*f)->Head().value_or(""));
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->count, 1);
}

TEST(OpenFeedUriTest, AdapterErrorsPassThrough) {
  auto f = OpenFeedUri(Uri("fixtures:/nonexistent/retrain/dir"));
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(f.error().api_code, "invalid_feed");
}

// Bolt URIs go to the Neo4j adapter: with nothing listening the error is the adapter's
// "cannot connect", not the opener's "unknown scheme".
TEST(OpenFeedUriTest, BoltSchemesReachTheNeo4jAdapter) {
  for (const char* uri : {"bolt://127.0.0.1:1", "neo4j://127.0.0.1:1"}) {
    FeedUriOptions o = Uri(uri);
    o.user = "neo4j";
    o.password = "secret";
    auto f = OpenFeedUri(o);
    ASSERT_FALSE(f.has_value()) << uri;
    EXPECT_NE(f.error().api_code, "invalid_feed") << uri << ": " << f.error().message;
    EXPECT_EQ(f.error().code, ErrorCode::kUnavailable) << uri << ": " << f.error().message;
    EXPECT_EQ(f.error().message.find("secret"), std::string::npos) << f.error().message;
  }
}

TEST(OpenFeedUriTest, UnknownScheme) {
  for (const char* uri : {"kafka://broker:9092/feed", "", "/plain/path/feed.db", "Embedded:/x",
                          "http://neo4j:7474"}) {
    auto f = OpenFeedUri(Uri(uri));
    ASSERT_FALSE(f.has_value()) << uri;
    EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument) << uri;
    EXPECT_EQ(f.error().api_code, "invalid_feed") << uri;
    EXPECT_NE(f.error().message.find(std::string("'") + uri + "'"), std::string::npos)
        << f.error().message;
  }
}

// The configured feed opens without a URI, and the URI workers are given names the same feed.
TEST(OpenConfiguredFeedTest, EmbeddedAndFixturesFromTheConfig) {
  testing::TempDir dir;
  Config c;
  c.data_dir = dir.path();
  c.feed.source = "embedded";
  c.feed.path = "feed.db";
  auto embedded = OpenConfiguredFeed(c);
  ASSERT_TRUE(embedded.has_value()) << embedded.error().message;
  EXPECT_EQ(WorkerFeedUri(c), "embedded:" + dir.path() + "/feed.db");
  EXPECT_EQ((*embedded)->Uri(), WorkerFeedUri(c));

  dir.Write("fixtures/one.json",
            R"({"job_id": "j", "ingested_at": "2026-11-26T06:35:10Z", "records": [{}]})");
  c.feed.source = "fixtures";
  c.feed.path = "fixtures";
  auto fixtures = OpenConfiguredFeed(c);
  ASSERT_TRUE(fixtures.has_value()) << fixtures.error().message;
  EXPECT_EQ(WorkerFeedUri(c), "fixtures:" + dir.path() + "/fixtures");
  EXPECT_EQ((*fixtures)->Uri(), WorkerFeedUri(c));

  c.feed.source = "neo4j";
  c.feed.neo4j_uri = "bolt://127.0.0.1:1";
  EXPECT_EQ(WorkerFeedUri(c), "bolt://127.0.0.1:1");
  auto neo4j = OpenConfiguredFeed(c);
  ASSERT_FALSE(neo4j.has_value());
  EXPECT_EQ(neo4j.error().code, ErrorCode::kUnavailable) << neo4j.error().message;
}

}  // namespace
}  // namespace retrain
