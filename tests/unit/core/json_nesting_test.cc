#include "core/json_nesting.h"

#include <gtest/gtest.h>

#include <string>

namespace retrain {
namespace {

TEST(JsonNesting, FlatAndShallowTextsPass) {
  EXPECT_EQ(FindJsonNestingExcess(""), std::nullopt);
  EXPECT_EQ(FindJsonNestingExcess("{\"a\": [1, {\"b\": 2}]}", 3), std::nullopt);
  EXPECT_EQ(FindJsonNestingExcess("[[[]]]", 3), std::nullopt);
}

TEST(JsonNesting, ReportsTheBracketThatOpensOneLevelTooMany) {
  EXPECT_EQ(FindJsonNestingExcess("[[[[]]]]", 3), 3u);
  EXPECT_EQ(FindJsonNestingExcess("{\"a\":{\"b\":[", 2), 10u);
  // Siblings do not add up: depth goes back down after each closes.
  EXPECT_EQ(FindJsonNestingExcess("[[1],[2],[3],[[4]]]", 3), std::nullopt);
}

TEST(JsonNesting, BracketsInsideStringsDoNotCount) {
  EXPECT_EQ(FindJsonNestingExcess("{\"k\": \"[[[[[[{{{{\"}", 1), std::nullopt);
  // An escaped quote does not end the string; the brackets after it are still inside.
  EXPECT_EQ(FindJsonNestingExcess("[\"\\\"[[[[\"]", 1), std::nullopt);
  // An escaped backslash does end before the quote, so what follows is outside.
  EXPECT_EQ(FindJsonNestingExcess("[\"\\\\\",[[", 2), 7u);
}

TEST(JsonNesting, UnbalancedOrHostileTextIsScannedInLinearTime) {
  std::string deep(20'000, '[');
  EXPECT_EQ(FindJsonNestingExcess(deep), static_cast<size_t>(kMaxJsonNesting));
  std::string closes(20'000, ']');
  EXPECT_EQ(FindJsonNestingExcess(closes), std::nullopt);
  std::string vars = "{\"query\":\"{a}\",\"variables\":{\"v\":" + std::string(100'000, '[');
  EXPECT_TRUE(FindJsonNestingExcess(vars).has_value());
}

}  // namespace
}  // namespace retrain
