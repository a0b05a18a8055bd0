// Job ids, random hex, HMAC-SHA256 (RFC 4231 vectors) and constant-time comparison.

#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace retrain {
namespace {

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST(IdsTest, NewJobIdIs32LowerCaseHexDigits) {
  for (int i = 0; i < 50; ++i) {
    std::string id = NewJobId();
    EXPECT_EQ(id.size(), 32u) << id;
    EXPECT_TRUE(IsLowerHex(id)) << id;
  }
}

TEST(IdsTest, NewJobIdsDoNotRepeat) {
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.insert(NewJobId());
  EXPECT_EQ(ids.size(), 2000u);
}

TEST(IdsTest, RandomHexLength) {
  EXPECT_EQ(RandomHex(0), "");
  EXPECT_EQ(RandomHex(1).size(), 2u);
  std::string h = RandomHex(32);
  EXPECT_EQ(h.size(), 64u);
  EXPECT_TRUE(IsLowerHex(h));
  EXPECT_NE(RandomHex(16), RandomHex(16));
}

// RFC 4231 section 4.2, test case 1.
TEST(IdsTest, HmacSha256Rfc4231Case1) {
  std::string key(20, '\x0b');
  EXPECT_EQ(HmacSha256Hex(key, "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// RFC 4231 section 4.3, test case 2 (a key shorter than the output).
TEST(IdsTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 4231 section 4.7, test case 6 (a key longer than the block size).
TEST(IdsTest, HmacSha256Rfc4231Case6) {
  std::string key(131, '\xaa');
  EXPECT_EQ(HmacSha256Hex(key, "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(IdsTest, HmacSha256EmptyKeyAndMessage) {
  EXPECT_EQ(HmacSha256Hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(IdsTest, HmacDependsOnKeyAndMessage) {
  std::string a = HmacSha256Hex("secret", "job:1");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, HmacSha256Hex("secret", "job:1"));
  EXPECT_NE(a, HmacSha256Hex("secret", "job:2"));
  EXPECT_NE(a, HmacSha256Hex("secreT", "job:1"));
}

TEST(IdsTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc123", "abc123"));
  EXPECT_FALSE(ConstantTimeEquals("abc123", "abc124"));
  EXPECT_FALSE(ConstantTimeEquals("abc123", "xbc123"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abc123"));
  EXPECT_FALSE(ConstantTimeEquals("abc123", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  std::string with_nul("a\0b", 3), other_nul("a\0c", 3);
  EXPECT_FALSE(ConstantTimeEquals(with_nul, other_nul));
  EXPECT_TRUE(ConstantTimeEquals(with_nul, std::string("a\0b", 3)));
}

}  // namespace
}  // namespace retrain
