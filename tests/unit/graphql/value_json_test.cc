#include <gtest/gtest.h>

#include "test_schema.h"

namespace retrain::graphql {
namespace {

TEST(Value, BasicsAndHandles) {
  Value v = Value::EmptyObject();
  v.Set("a", 1);
  v.Set("b", "x");
  v.Set("a", 2.5);
  EXPECT_EQ(v.AsObject().size(), 2u);
  EXPECT_EQ(v.Find("a")->AsNumber(), 2.5);
  EXPECT_EQ(v.Find("zz"), nullptr);
  Value list;
  list.Push(true);
  list.Push(Value());
  EXPECT_TRUE(list.IsList());
  EXPECT_EQ(list.AsList().size(), 2u);
  auto p = std::make_shared<const int>(7);
  Value h = Value::FromHandle(p);
  EXPECT_EQ(*h.HandleAs<int>(), 7);
  EXPECT_EQ(h.HandleAs<double>(), nullptr);
  EXPECT_EQ(Value(3), Value(int64_t{3}));
  EXPECT_FALSE(Value(3) == Value(3.0));
}

TEST(Value, JsNumbersAndInspect) {
  EXPECT_EQ(FormatJsNumber(1), "1");
  EXPECT_EQ(FormatJsNumber(0.5), "0.5");
  EXPECT_EQ(FormatJsNumber(-1.25), "-1.25");
  EXPECT_EQ(FormatJsNumber(1e21), "1e+21");
  EXPECT_EQ(FormatJsNumber(1e-7), "1e-7");
  EXPECT_EQ(FormatJsNumber(123456789012), "123456789012");
  EXPECT_EQ(FormatJsNumber(0.000001), "0.000001");
  Value obj = *ParseJson(R"({"a": [1, "x", {"b": {"c": [1]}}], "d": null, "e": {}})");
  EXPECT_EQ(Inspect(obj), R"({ a: [1, "x", [Object]], d: null, e: {} })");
  EXPECT_EQ(Inspect(*ParseJson("[1,2,3,4,5,6,7,8,9,10,11,12]")),
            "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... 2 more items]");
}

TEST(Json, RoundTrip) {
  auto v = ParseJson(
      R"({"i": 1, "f": 1.5, "s": "\u00e9\n", "l": [true, null], "big": 18446744073709551615})");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->Find("i")->IsInt());
  EXPECT_TRUE(v->Find("f")->IsFloat());
  EXPECT_TRUE(v->Find("big")->IsFloat());
  EXPECT_EQ(ToJson(*v->Find("s")), "\"\xC3\xA9\\n\"");
  EXPECT_EQ(ToJson(*v->Find("l")), "[true,null]");
  EXPECT_EQ(ParseJson("{").error().code, ErrorCode::kInvalidArgument);
}

TEST(Json, RequestParsing) {
  auto r =
      ParseRequestJson(R"({"query": "{ a }", "variables": "{\"x\": 1}", "operationName": null})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->query, "{ a }");
  EXPECT_EQ(r->variables.Find("x")->AsInt(), 1);
  EXPECT_FALSE(r->operation_name.has_value());
  EXPECT_FALSE(ParseRequestJson(R"({"variables": {}})").has_value());
  EXPECT_FALSE(ParseRequestJson(R"({"query": "{ a }", "variables": [1]})").has_value());
  EXPECT_FALSE(ParseRequestJson(R"({"query": "{ a }", "operationName": 3})").has_value());
  EXPECT_FALSE(ParseRequestJson("[]").has_value());
}

TEST(Json, DeepNestingIsRefusedBeforeAnyRecursiveWalk) {
  // 20,000 levels overflowed the stack in FromJson / ~Value before the bound existed.
  std::string deep = std::string(20'000, '[') + std::string(20'000, ']');
  auto v = ParseJson(deep);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(v.error().message.find("deeper than 64 levels"), std::string::npos)
      << v.error().message;
  std::string vars = R"({"query": "{ a }", "variables": )" + std::string(100'000, '{');
  EXPECT_EQ(ParseRequestJson(vars).error().code, ErrorCode::kInvalidArgument);
  // Variables sent as JSON text are bounded too.
  std::string text_vars =
      R"({"query": "{ a }", "variables": ")" + std::string(100'000, '[') + R"("})";
  EXPECT_EQ(ParseRequestJson(text_vars).error().code, ErrorCode::kInvalidArgument);
  // 64 levels are accepted.
  EXPECT_TRUE(ParseJson(std::string(64, '[') + std::string(64, ']')));
}

TEST(Json, ExecuteJsonEndToEnd) {
  auto schema = testing::MakeSchema();
  ASSERT_TRUE(schema->SetResolver("Query.hello",
                                  [](const Value&, const Value& args, Context&) -> FieldResult {
                                    return "hi " + args.Find("name")->AsString();
                                  }));
  Context ctx;
  EXPECT_EQ(
      ExecuteJson(
          *schema,
          R"({"query": "query Q($n: String!) { hello(name: $n) }", "variables": {"n": "Ann"}, "operationName": "Q"})",
          ctx),
      R"({"data":{"hello":"hi Ann"}})");
  EXPECT_EQ(ExecuteJson(*schema, "not json", ctx).find(R"("extensions":{"code":"BAD_REQUEST"})") !=
                std::string::npos,
            true);
  EXPECT_EQ(
      ExecuteJson(*schema, R"({"query": "{"})", ctx),
      R"({"errors":[{"message":"Syntax Error: Expected Name, found <EOF>.","locations":[{"line":1,"column":2}],"extensions":{"code":"GRAPHQL_PARSE_FAILED"}}]})");
}

}  // namespace
}  // namespace retrain::graphql
