#include <gtest/gtest.h>

#include "http/server.h"

namespace retrain {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(ParseQueryTest, SplitsAndDecodesInOrder) {
  EXPECT_EQ(ParseQuery("a=1&b=x%20y&c=hello+world&a=2"),
            (Pairs{{"a", "1"}, {"b", "x y"}, {"c", "hello world"}, {"a", "2"}}));
}

TEST(ParseQueryTest, KeysWithoutValuesAndEmptyPieces) {
  EXPECT_EQ(ParseQuery("flag&&x=&=v&"), (Pairs{{"flag", ""}, {"x", ""}, {"", "v"}}));
  EXPECT_TRUE(ParseQuery("").empty());
}

TEST(ParseQueryTest, ValueMayContainEquals) {
  EXPECT_EQ(ParseQuery("cursor=abc==&k%3D=v%26w"), (Pairs{{"cursor", "abc=="}, {"k=", "v&w"}}));
}

TEST(ParseQueryTest, MalformedEscapeIsKeptAsSent) {
  EXPECT_EQ(ParseQuery("a=%zz+1"), (Pairs{{"a", "%zz 1"}}));
}

TEST(RequestTest, HeaderIsCaseInsensitiveAndEmptyWhenAbsent) {
  Request r;
  r.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("x-a"), "1");
  EXPECT_EQ(r.Header("missing"), "");
}

TEST(RequestTest, QueryReturnsFirstValue) {
  Request r;
  r.query = {{"limit", "5"}, {"limit", "7"}, {"empty", ""}};
  EXPECT_EQ(r.Query("limit"), "5");
  EXPECT_EQ(r.Query("empty"), "");
  EXPECT_EQ(r.Query("cursor"), std::nullopt);
}

}  // namespace
}  // namespace retrain
