// OpenFeed: URI dispatch to the adapters and the unknown-scheme error.

#include "feed/open_feed.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "../temp_dir.h"

namespace retrain {
namespace {

FeedOptions Uri(const std::string& uri) {
  FeedOptions o;
  o.uri = uri;
  return o;
}

TEST(OpenFeedTest, Embedded) {
  testing::TempDir dir;
  auto f = OpenFeed(Uri("embedded:" + dir.path() + "/feed.db"));
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ((*f)->Uri(), "embedded:" + dir.path() + "/feed.db");
  EXPECT_EQ((*f)->Head().value_or("x"), "");
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/feed.db"));
}

TEST(OpenFeedTest, Fixtures) {
  testing::TempDir dir;
  dir.Write("one.json", R"({"job_id": "j", "ingested_at": "2026-11-26T06:35:10Z", "records": [{}]})");
  auto f = OpenFeed(Uri("fixtures:" + dir.path()));
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ((*f)->Uri(), "fixtures:" + dir.path());
  auto u = (*f)->CountUnseen({}, "", (*f)->Head().value_or(""));
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->count, 1);
}

TEST(OpenFeedTest, AdapterErrorsPassThrough) {
  auto f = OpenFeed(Uri("fixtures:/nonexistent/retrain/dir"));
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(f.error().api_code, "invalid_feed");
}

// Bolt URIs go to the Neo4j adapter: with nothing listening the error is the adapter's
// "cannot connect", not the opener's "unknown scheme".
TEST(OpenFeedTest, BoltSchemesReachTheNeo4jAdapter) {
  for (const char* uri : {"bolt://127.0.0.1:1", "neo4j://127.0.0.1:1"}) {
    FeedOptions o = Uri(uri);
    o.user = "neo4j";
    o.password = "secret";
    auto f = OpenFeed(o);
    ASSERT_FALSE(f.has_value()) << uri;
    EXPECT_NE(f.error().api_code, "invalid_feed") << uri << ": " << f.error().message;
    EXPECT_EQ(f.error().code, ErrorCode::kUnavailable) << uri << ": " << f.error().message;
    EXPECT_EQ(f.error().message.find("secret"), std::string::npos) << f.error().message;
  }
}

TEST(OpenFeedTest, UnknownScheme) {
  for (const char* uri : {"kafka://broker:9092/feed", "", "/plain/path/feed.db", "Embedded:/x",
                          "http://neo4j:7474"}) {
    auto f = OpenFeed(Uri(uri));
    ASSERT_FALSE(f.has_value()) << uri;
    EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument) << uri;
    EXPECT_EQ(f.error().api_code, "invalid_feed") << uri;
    EXPECT_NE(f.error().message.find(std::string("'") + uri + "'"), std::string::npos)
        << f.error().message;
  }
}

}  // namespace
}  // namespace retrain
