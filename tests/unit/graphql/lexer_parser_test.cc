#include <gtest/gtest.h>

#include "graphql/lexer.h"
#include "graphql/parser.h"

namespace retrain::graphql {
namespace {

std::vector<Token> Lex(std::string_view s) {
  Lexer lexer(s);
  std::vector<Token> out;
  while (true) {
    auto t = lexer.Next();
    EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message);
    if (!t || t->kind == TokenKind::kEof) break;
    out.push_back(*t);
  }
  return out;
}

std::string LexError(std::string_view s) {
  Lexer lexer(s);
  while (true) {
    auto t = lexer.Next();
    if (!t) return t.error().message;
    if (t->kind == TokenKind::kEof) return "";
  }
}

std::string ParseError(std::string_view s, int max_tokens = 0) {
  auto doc = Parse(s, ParseOptions{max_tokens});
  if (doc) return "";
  const auto& e = doc.error();
  return e.message + " @" + std::to_string(e.locations[0].line) + ":" +
         std::to_string(e.locations[0].column);
}

TEST(Lexer, PunctuatorsNamesAndNumbers) {
  auto t = Lex("{ a: $b ... @c [1, -2.5e3] } ! = | & ( )");
  ASSERT_EQ(t.size(), 19u);
  EXPECT_EQ(t[0].kind, TokenKind::kBraceL);
  EXPECT_EQ(t[1].value, "a");
  EXPECT_EQ(t[3].kind, TokenKind::kDollar);
  EXPECT_EQ(t[5].kind, TokenKind::kSpread);
  EXPECT_EQ(t[9].kind, TokenKind::kInt);
  EXPECT_EQ(t[10].kind, TokenKind::kFloat);
  EXPECT_EQ(t[10].value, "-2.5e3");
}

TEST(Lexer, SkipsCommentsCommasAndBom) {
  auto t = Lex("\xEF\xBB\xBF# comment\n,,a # trailing\r\nb");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].value, "a");
  EXPECT_EQ(t[1].value, "b");
}

TEST(Lexer, StringEscapes) {
  auto t = Lex(R"("a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00\u{1F600}")");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].value, "a\"b\\c/d\b\f\n\r\t\xC3\xA9\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
}

TEST(Lexer, BlockStringDedentsAndTrims) {
  auto t = Lex("\"\"\"\n    Hello,\n      World!\n\n    Yours \\\"\"\" truly\n  \"\"\"");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].kind, TokenKind::kBlockString);
  EXPECT_EQ(t[0].value, "Hello,\n  World!\n\nYours \"\"\" truly");
}

TEST(Lexer, Errors) {
  EXPECT_EQ(LexError("01"), "Invalid number, unexpected digit after 0: \"1\".");
  EXPECT_EQ(LexError("1x"), "Invalid number, expected digit but got: \"x\".");
  EXPECT_EQ(LexError("1."), "Invalid number, expected digit but got: <EOF>.");
  EXPECT_EQ(LexError("\"abc"), "Unterminated string.");
  EXPECT_EQ(LexError("\"\\q\""), "Invalid character escape sequence: \"\\q\".");
  EXPECT_EQ(LexError("\"\\u12G4\""), "Invalid Unicode escape sequence: \"\\u12G4\".");
  EXPECT_EQ(LexError("?"), "Unexpected character: \"?\".");
  EXPECT_EQ(LexError("'a'"),
            "Unexpected single quote character ('), did you mean to use a double quote (\")?");
  EXPECT_EQ(LexError("\xC3\xA9"), "Unexpected character: U+00E9.");
}

TEST(Parser, OperationWithEverything) {
  auto doc = Parse(R"(
    query Q($id: ID! = "x", $list: [Int!] = [1, 2], $obj: Filter = {a: {b: null}}) @dir(a: 1) {
      alias: field(a: 1, b: 2.5, c: "s", d: """block""", e: true, f: null, g: ENUM, h: $id,
                   i: [1, [2]], j: {k: $list}) @skip(if: false) {
        ... on T { x }
        ... @include(if: true) { y }
        ...Frag
      }
    }
    fragment Frag on T { z }
    mutation { m }
    subscription S { s }
  )");
  ASSERT_TRUE(doc.has_value()) << doc.error().message;
  ASSERT_EQ(doc->definitions.size(), 4u);
  const auto& op = std::get<ast::OperationDefinition>(doc->definitions[0]);
  EXPECT_EQ(op.name->value, "Q");
  ASSERT_EQ(op.variables.size(), 3u);
  EXPECT_EQ(PrintType(op.variables[0].type), "ID!");
  EXPECT_EQ(PrintValue(*op.variables[1].default_value), "[1, 2]");
  EXPECT_EQ(PrintValue(*op.variables[2].default_value), "{a: {b: null}}");
  const auto& field = op.selection_set.selections[0];
  EXPECT_EQ(field.alias->value, "alias");
  EXPECT_EQ(field.name.value, "field");
  ASSERT_EQ(field.arguments.size(), 10u);
  EXPECT_EQ(field.arguments[3].value.kind, ast::ValueKind::kString);
  EXPECT_TRUE(field.arguments[3].value.block);
  EXPECT_EQ(field.arguments[5].value.kind, ast::ValueKind::kNull);
  EXPECT_EQ(field.arguments[6].value.kind, ast::ValueKind::kEnum);
  EXPECT_EQ(field.arguments[7].value.kind, ast::ValueKind::kVariable);
  EXPECT_EQ(PrintValue(field.arguments[9].value), "{k: $list}");
  const auto& sels = field.selection_set->selections;
  ASSERT_EQ(sels.size(), 3u);
  EXPECT_EQ(sels[0].kind, ast::Selection::Kind::kInlineFragment);
  EXPECT_EQ(sels[0].type_condition->value, "T");
  EXPECT_FALSE(sels[1].type_condition.has_value());
  EXPECT_EQ(sels[2].kind, ast::Selection::Kind::kFragmentSpread);
  EXPECT_EQ(std::get<ast::OperationDefinition>(doc->definitions[2]).operation,
            ast::OperationType::kMutation);
  EXPECT_EQ(std::get<ast::OperationDefinition>(doc->definitions[3]).operation,
            ast::OperationType::kSubscription);
}

TEST(Parser, TypeSystemDefinitions) {
  auto doc = Parse(R"(
    "The schema" schema { query: Q mutation: M }
    """Block description""" scalar Date @specifiedBy(url: "u")
    type T implements & A & B @d { "field" f("arg" a: Int = 1 @deprecated): [String!]! }
    interface I implements A { x: Int }
    union U = | A | B
    enum E { A "described" B @deprecated(reason: "no") }
    input In { a: Int = 3, b: [In!] }
    directive @d(x: Int) repeatable on FIELD_DEFINITION | OBJECT
    extend type T { g: Int }
  )");
  ASSERT_TRUE(doc.has_value()) << doc.error().message;
  ASSERT_EQ(doc->definitions.size(), 9u);
  const auto& t = std::get<ast::TypeDefinition>(doc->definitions[2]);
  EXPECT_EQ(t.interfaces.size(), 2u);
  EXPECT_EQ(t.fields[0].description, "field");
  EXPECT_EQ(t.fields[0].arguments[0].description, "arg");
  EXPECT_EQ(PrintValue(*t.fields[0].arguments[0].default_value), "1");
  EXPECT_EQ(std::get<ast::TypeDefinition>(doc->definitions[1]).description, "Block description");
  EXPECT_EQ(std::get<ast::TypeDefinition>(doc->definitions[4]).members.size(), 2u);
  EXPECT_EQ(std::get<ast::TypeDefinition>(doc->definitions[5]).values[1].description, "described");
  const auto& d = std::get<ast::DirectiveDefinition>(doc->definitions[7]);
  EXPECT_TRUE(d.repeatable);
  EXPECT_EQ(d.locations.size(), 2u);
  EXPECT_TRUE(std::get<ast::TypeDefinition>(doc->definitions[8]).extension);
}

TEST(Parser, SyntaxErrorsMatchGraphqlJs) {
  EXPECT_EQ(ParseError(""), "Syntax Error: Unexpected <EOF>. @1:1");
  EXPECT_EQ(ParseError("{ a"), "Syntax Error: Expected Name, found <EOF>. @1:4");
  EXPECT_EQ(ParseError("{ }"), "Syntax Error: Expected Name, found \"}\". @1:3");
  EXPECT_EQ(ParseError("{ a() }"), "Syntax Error: Expected Name, found \")\". @1:5");
  EXPECT_EQ(ParseError("query ($a: Int = $b) { a }"),
            "Syntax Error: Unexpected variable \"$b\" in constant value. @1:18");
  EXPECT_EQ(ParseError("fragment on on T { a }"), "Syntax Error: Unexpected Name \"on\". @1:10");
  EXPECT_EQ(ParseError("\"d\" query { a }"),
            "Syntax Error: Unexpected description, descriptions are supported only on type "
            "definitions. @1:1");
  EXPECT_EQ(ParseError("queryy { a }"), "Syntax Error: Unexpected Name \"queryy\". @1:1");
  EXPECT_EQ(ParseError("{ a(b \"c\") }"), "Syntax Error: Expected \":\", found String \"c\". @1:7");
  EXPECT_EQ(ParseError("fragment F T { a }"),
            "Syntax Error: Expected \"on\", found Name \"T\". @1:12");
  EXPECT_EQ(ParseError("enum E { true }"),
            "Syntax Error: Name \"true\" is reserved and cannot be used for an enum value. @1:10");
  EXPECT_EQ(ParseError("directive @d on NOWHERE"),
            "Syntax Error: Unexpected Name \"NOWHERE\". @1:17");
  EXPECT_EQ(ParseError("{\n  a\n  b %\n}"), "Syntax Error: Unexpected character: \"%\". @3:5");
}

TEST(Parser, ColumnsCountUtf16Units) {
  // U+1F600 is two UTF-16 code units; the error after it is at column 6 of line 1.
  EXPECT_EQ(ParseError("\"\xF0\x9F\x98\x80\" %"),
            "Syntax Error: Unexpected character: \"%\". @1:6");
}

TEST(Parser, TokenLimit) {
  EXPECT_EQ(ParseError("{ a b c }", 4),
            "Syntax Error: Document contains more than 4 tokens. Parsing aborted. @1:9");
  auto doc = Parse("{ a b c }", ParseOptions{5});
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->token_count, 5);
  EXPECT_EQ(Parse("{ a b c }", ParseOptions{4}).error().code, kCodeLimitExceeded);
}

TEST(Printer, StringsAndTypes) {
  EXPECT_EQ(PrintString("a\"b\\\n\x01"), "\"a\\\"b\\\\\\n\\u0001\"");
  auto doc = Parse("query ($a: [[Int!]]!) { a }");
  ASSERT_TRUE(doc);
  EXPECT_EQ(PrintType(std::get<ast::OperationDefinition>(doc->definitions[0]).variables[0].type),
            "[[Int!]]!");
}

}  // namespace
}  // namespace retrain::graphql

namespace retrain::graphql {
namespace {

TEST(Parser, NestingIsBounded) {
  std::string deep = "{ a(x: " + std::string(300, '[') + std::string(300, ']') + ") }";
  EXPECT_EQ(ParseError(deep),
            "Syntax Error: Document nesting is deeper than 256 levels. Parsing aborted. @1:263");
  std::string sel = "{ a";
  for (int i = 0; i < 300; ++i) sel += " { a";
  EXPECT_NE(ParseError(sel).find("nesting is deeper"), std::string::npos);
  EXPECT_EQ(ParseError("{ a(x: " + std::string(200, '[') + std::string(200, ']') + ") }"), "");
}

}  // namespace
}  // namespace retrain::graphql
