// The tokens file: parsing with errors that name the line, verification, roles, new tokens.

#include "auth/tokens.h"

#include <gtest/gtest.h>

#include "core/ids.h"

namespace retrain {
namespace {

TEST(Tokens, RolesAreOrdered) {
  EXPECT_TRUE(Grants(Role::kAdmin, Role::kTrigger));
  EXPECT_TRUE(Grants(Role::kTrigger, Role::kRead));
  EXPECT_TRUE(Grants(Role::kRead, Role::kRead));
  EXPECT_FALSE(Grants(Role::kRead, Role::kTrigger));
  EXPECT_FALSE(Grants(Role::kTrigger, Role::kAdmin));
  for (Role r : {Role::kRead, Role::kTrigger, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(ToString(r)).value(), r);
  }
  EXPECT_FALSE(ParseRole("root").has_value());
}

TEST(Tokens, ACreatedTokenVerifiesAndOthersDoNot) {
  NewToken ops = CreateToken(Role::kAdmin, "ops");
  NewToken ci = CreateToken(Role::kTrigger, "ci");
  EXPECT_EQ(ops.token.rfind("rt_", 0), 0u);
  EXPECT_EQ(ops.token.size(), 67u);
  EXPECT_EQ(ops.line, "admin:ops:" + Sha256Hex(ops.token));
  auto set = TokenSet::Parse("# API tokens\n\n" + ops.line + "\n  " + ci.line + "  \n", "t");
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_EQ(set->size(), 2u);
  auto who = set->Verify(ops.token);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->name, "ops");
  EXPECT_EQ(who->role, Role::kAdmin);
  EXPECT_EQ(set->Verify(ci.token)->role, Role::kTrigger);
  EXPECT_FALSE(set->Verify("").has_value());
  EXPECT_FALSE(set->Verify(ops.token + "x").has_value());
  EXPECT_FALSE(set->Verify(Sha256Hex(ops.token)).has_value());  // the hash is not the token
}

TEST(Tokens, UpperCaseHashesAreAccepted) {
  NewToken t = CreateToken(Role::kRead, "viewer");
  std::string line = t.line;
  for (size_t i = line.rfind(':') + 1; i < line.size(); ++i) line[i] = std::toupper(line[i]);
  auto set = TokenSet::Parse(line, "t");
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_TRUE(set->Verify(t.token).has_value());
}

TEST(Tokens, BadLinesAreRefusedNamingTheLine) {
  const std::string hash(64, 'a');
  struct Case {
    std::string text;
    std::string expect;
  } cases[] = {
      {"read:viewer", "tokens:1: expected role:name:sha256-hex"},
      {"# ok\nread:a:b:" + hash, "tokens:2: expected role:name:sha256-hex"},
      {"root:viewer:" + hash, "tokens:1: unknown role 'root'"},
      {"read::" + hash, "tokens:1: a token name has 1 to 64 characters"},
      {"read:bad name:" + hash, "may hold only letters"},
      {"read:viewer:abc", "tokens:1: the hash of token 'viewer' must be 64 hex digits"},
      {"read:viewer:" + std::string(64, 'g'), "must be 64 hex digits"},
      {"read:x:" + hash + "\nadmin:x:" + hash, "tokens:2: the token name 'x' appears twice"},
  };
  for (const auto& c : cases) {
    auto set = TokenSet::Parse(c.text, "tokens");
    ASSERT_FALSE(set.has_value()) << c.text;
    EXPECT_EQ(set.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(set.error().message.find(c.expect), std::string::npos) << set.error().message;
  }
}

TEST(Tokens, AMissingFileIsNamed) {
  auto set = TokenSet::Load("/nonexistent/retrain/tokens");
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().code, ErrorCode::kNotFound);
  EXPECT_NE(set.error().message.find("/nonexistent/retrain/tokens"), std::string::npos);
}

}  // namespace
}  // namespace retrain
