#include "core/strings.h"

#include <gtest/gtest.h>

#include <string>

namespace retrain {
namespace {

TEST(AsciiCaseTest, ChangesOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Content-Type: APPLICATION/Json"), "content-type: application/json");
  EXPECT_EQ(AsciiUpper("running_1"), "RUNNING_1");
  // Bytes of UTF-8 sequences are not letters and stay as they are.
  EXPECT_EQ(AsciiLower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(AsciiCaseTest, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("X-Request-Id", "x-request-id"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abd"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abcd"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));  // 0x5B and 0x7B differ by 32 but are not letters
}

TEST(TrimTest, StripsSpacesTabsAndLineEnds) {
  EXPECT_EQ(Trim("  token\r\n"), "token");
  EXPECT_EQ(Trim("\t a b \t"), "a b");
  EXPECT_EQ(Trim(" \r\n\t "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(TrimView("x"), "x");
}

TEST(PercentEncodeTest, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(PercentEncode("abcXYZ019-_.~"), "abcXYZ019-_.~");
  EXPECT_EQ(PercentEncode("a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
  EXPECT_EQ(PercentEncode(std::string("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(PercentEncode("models/a b/v1", "/"), "models/a%20b/v1");
}

TEST(PercentDecodeTest, DecodesEscapesAndKeepsPlus) {
  std::string out;
  ASSERT_TRUE(PercentDecode("/a%20b%2Fc%7e+d", &out));
  EXPECT_EQ(out, "/a b/c~+d");
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  std::string out = "untouched";
  EXPECT_FALSE(PercentDecode("%", &out));
  EXPECT_FALSE(PercentDecode("abc%2", &out));
  EXPECT_FALSE(PercentDecode("%zz", &out));
  EXPECT_FALSE(PercentDecode("%2g", &out));
  EXPECT_FALSE(PercentDecode("%-1", &out));
  EXPECT_EQ(out, "untouched");
}

TEST(PercentDecodeTest, EmptyAndBinary) {
  std::string out = "x";
  ASSERT_TRUE(PercentDecode("", &out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(PercentDecode("%00%FF", &out));
  EXPECT_EQ(out, std::string("\0\xff", 2));
}

TEST(PercentDecodeTest, LenientKeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecodeLenient("p%40ss%zz%4"), "p@ss%zz%4");
  EXPECT_EQ(PercentDecodeLenient("100%"), "100%");
  EXPECT_EQ(PercentDecodeLenient("%2B+"), "++");
}

TEST(PercentEncodeTest, RoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string back;
  ASSERT_TRUE(PercentDecode(PercentEncode(all), &back));
  EXPECT_EQ(back, all);
  EXPECT_EQ(PercentDecodeLenient(PercentEncode(all)), all);
}

}  // namespace
}  // namespace retrain
