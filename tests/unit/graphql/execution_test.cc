#include <gtest/gtest.h>

#include "test_schema.h"

namespace retrain::graphql {
namespace {

using testing::MakeSchema;
using testing::RunQuery;

struct PersonData {
  std::string name;
  int age;
  std::vector<std::string> friends;
};

class ExecutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = MakeSchema();
    ASSERT_NE(schema_, nullptr);
  }
  std::unique_ptr<Schema> schema_;
};

Value Obj(std::initializer_list<std::pair<std::string, Value>> members) {
  Value v = Value::EmptyObject();
  for (const auto& [k, m] : members) v.Set(k, m);
  return v;
}

TEST_F(ExecutionTest, DefaultResolverReadsRootObjectAndArgumentDefaults) {
  ASSERT_TRUE(schema_->SetResolver("Query.hello",
                                   [](const Value&, const Value& args, Context&) -> FieldResult {
                                     return "hello " + args.Find("name")->AsString();
                                   }));
  Value root = Obj({{"nonNull", "from root"}, {"failing", Value()}});
  EXPECT_EQ(
      RunQuery(*schema_, "{ hello a: hello(name: \"x\") nonNull failing }", "null", {}, root),
      R"({"data":{"hello":"hello world","a":"hello x","nonNull":"from root","failing":null}})");
}

TEST_F(ExecutionTest, ArgumentsAreCoerced) {
  ASSERT_TRUE(schema_->SetResolver(
      "Query.echo",
      [](const Value&, const Value& args, Context&) -> FieldResult { return ToJson(args); }));
  EXPECT_EQ(
      RunQuery(*schema_, R"({ a: echo(value: 1, color: GREEN, list: 5, id: 12)
                               b: echo(filter: {name: "n", colors: RED, inner: {flag: true}})
                               c: echo(list: [1, null, 3], date: {y: 2026}) })"),
      R"({"data":{"a":"{\"value\":1.0,\"color\":\"GREEN\",\"list\":[5],\"id\":\"12\"}",)"
      R"("b":"{\"filter\":{\"name\":\"n\",\"minAge\":0,\"colors\":[\"RED\"],\"inner\":{\"flag\":true}}}",)"
      R"("c":"{\"list\":[1,null,3],\"date\":{\"y\":2026}}"}})");
}

TEST_F(ExecutionTest, VariablesAreCoercedWithDefaults) {
  ASSERT_TRUE(schema_->SetResolver(
      "Query.echo",
      [](const Value&, const Value& args, Context&) -> FieldResult { return ToJson(args); }));
  EXPECT_EQ(
      RunQuery(*schema_,
               "query ($v: Float, $c: Color = BLUE, $l: [Int], $f: Filter) { echo(value: $v, "
               "color: $c, list: $l, filter: $f) }",
               R"({"v": 2, "l": 7, "f": {"inner": {"flag": false}}})"),
      R"({"data":{"echo":"{\"value\":2.0,\"color\":\"BLUE\",\"list\":[7],\"filter\":{\"minAge\":0,\"inner\":{\"flag\":false}}}"}})");
}

TEST_F(ExecutionTest, VariableCoercionErrors) {
  EXPECT_EQ(
      RunQuery(*schema_, "query ($f: Filter) { echo(filter: $f) }",
               R"({"f": {"inner": {}, "nope": 1}})"),
      R"({"errors":[{"message":"Variable \"$f\" got invalid value {} at \"f.inner\"; Field \"flag\" of required type \"Boolean!\" was not provided.","locations":[{"line":1,"column":8}],"extensions":{"code":"BAD_USER_INPUT"}},)"
      R"({"message":"Variable \"$f\" got invalid value { inner: {}, nope: 1 }; Field \"nope\" is not defined by type \"Filter\". Did you mean \"name\"?","locations":[{"line":1,"column":8}],"extensions":{"code":"BAD_USER_INPUT"}}]})");
  EXPECT_EQ(
      RunQuery(*schema_, "query ($c: [Color!]) { echo(filter: {colors: $c}) }",
               R"({"c": ["RED", "PINK"]})"),
      R"({"errors":[{"message":"Variable \"$c\" got invalid value \"PINK\" at \"c[1]\"; Value \"PINK\" does not exist in \"Color\" enum.","locations":[{"line":1,"column":8}],"extensions":{"code":"BAD_USER_INPUT"}}]})");
}

TEST_F(ExecutionTest, ResultCoercion) {
  Value root = Obj(
      {{"people",
        Value(Value::List{Obj({{"name", 12}, {"age", "41"}, {"pets", Value::EmptyList()}}),
                          Obj({{"name", true}, {"age", 2.0}, {"pets", Value::EmptyList()}})})}});
  EXPECT_EQ(RunQuery(*schema_, "{ people { name age } }", "null", {}, root),
            R"({"data":{"people":[{"name":"12","age":41},{"name":"true","age":2}]}})");
  root =
      Obj({{"people",
            Value(Value::List{Obj({{"name", "x"}, {"age", 1.5}, {"pets", Value::EmptyList()}})})}});
  EXPECT_EQ(
      RunQuery(*schema_, "{ people { age } }", "null", {}, root),
      R"({"errors":[{"message":"Int cannot represent non-integer value: 1.5","locations":[{"line":1,"column":12}],"path":["people",0,"age"]}],"data":{"people":[{"age":null}]}})");
}

TEST_F(ExecutionTest, CustomScalarCoercion) {
  ASSERT_TRUE(schema_->SetScalarCoercion(
      "Date", ScalarCoercion{[](const Value& v) -> std::expected<Value, std::string> {
                               if (!v.IsInt())
                                 return std::unexpected("Date must be days since epoch");
                               return Value("day-" + std::to_string(v.AsInt()));
                             },
                             [](const Value& v) -> std::expected<Value, std::string> {
                               if (!v.IsString()) return std::unexpected("Date must be a string");
                               return v;
                             }}));
  Value root = Obj(
      {{"people",
        Value(Value::List{Obj({{"name", "a"}, {"born", 3}, {"pets", Value::EmptyList()}}),
                          Obj({{"name", "b"}, {"born", "x"}, {"pets", Value::EmptyList()}})})}});
  EXPECT_EQ(
      RunQuery(*schema_, "{ people { born } }", "null", {}, root),
      R"({"errors":[{"message":"Date must be days since epoch","locations":[{"line":1,"column":12}],"path":["people",1,"born"]}],"data":{"people":[{"born":"day-3"},{"born":null}]}})");
  EXPECT_EQ(
      RunQuery(*schema_, "query ($d: Date) { echo(date: $d) }", R"({"d": 5})"),
      R"({"errors":[{"message":"Variable \"$d\" got invalid value 5; Date must be a string","locations":[{"line":1,"column":8}],"extensions":{"code":"BAD_USER_INPUT"}}]})");
  EXPECT_TRUE(schema_->SetScalarCoercion("Int", {}).error().code == ErrorCode::kInvalidArgument);
}

TEST_F(ExecutionTest, NullPropagation) {
  Value root = Obj({{"nonNull", Value()}});
  EXPECT_EQ(
      RunQuery(*schema_, "{ hello nonNull }", "null", {}, Obj({{"hello", "h"}})),
      R"({"errors":[{"message":"Cannot return null for non-nullable field Query.nonNull.","locations":[{"line":1,"column":9}],"path":["nonNull"]}],"data":null})");
  // A null in a non-null list item nulls the list's nearest nullable parent (person).
  ASSERT_TRUE(
      schema_->SetResolver("Query.person", [](const Value&, const Value&, Context&) -> FieldResult {
        return Obj({{"name", "p"},
                    {"pets", Value(Value::List{Obj({{"__typename", "Dog"}, {"name", Value()}})})}});
      }));
  EXPECT_EQ(
      RunQuery(*schema_, "{ person(id: 1) { name pets { name } } hello }", "null", {},
               Obj({{"hello", "h"}})),
      R"({"errors":[{"message":"Cannot return null for non-nullable field Dog.name.","locations":[{"line":1,"column":31}],"path":["person","pets",0,"name"]}],"data":{"person":null,"hello":"h"}})");
}

TEST_F(ExecutionTest, ResolverErrorsCarryPathAndExtensions) {
  ASSERT_TRUE(schema_->SetResolver(
      "Query.failing", [](const Value&, const Value&, Context&) -> FieldResult {
        FieldError e{"Job \"x\" was not found.", "JOB_NOT_FOUND", Obj({{"jobId", "x"}})};
        return std::unexpected(e);
      }));
  ASSERT_TRUE(
      schema_->SetResolver("Query.hello", [](const Value&, const Value&, Context&) -> FieldResult {
        return FieldFailure(
            Fail(ErrorCode::kFailedPrecondition, "Not enough data.", "insufficient_data").error());
      }));
  EXPECT_EQ(
      RunQuery(*schema_, "{ x: failing deep { failing } }", "null", {},
               Obj({{"deep", Value::EmptyObject()}})),
      R"({"errors":[{"message":"Job \"x\" was not found.","locations":[{"line":1,"column":3}],"path":["x"],"extensions":{"code":"JOB_NOT_FOUND","jobId":"x"}},)"
      R"({"message":"Job \"x\" was not found.","locations":[{"line":1,"column":21}],"path":["deep","failing"],"extensions":{"code":"JOB_NOT_FOUND","jobId":"x"}}],"data":{"x":null,"deep":{"failing":null}}})");
  EXPECT_EQ(
      RunQuery(*schema_, "{ hello }"),
      R"({"errors":[{"message":"Not enough data.","locations":[{"line":1,"column":3}],"path":["hello"],"extensions":{"code":"INSUFFICIENT_DATA"}}],"data":null})");
}

TEST_F(ExecutionTest, MutationsRunSerially) {
  auto log = std::make_shared<std::vector<int64_t>>();
  ASSERT_TRUE(schema_->SetResolver(
      "Mutation.add", [log](const Value&, const Value& args, Context&) -> FieldResult {
        int64_t n = args.Find("n")->AsInt();
        if (n < 0) return FieldFailure("BAD_USER_INPUT", "n must not be negative.");
        int64_t total = n + (log->empty() ? 0 : log->back());
        log->push_back(total);
        return total;
      }));
  EXPECT_EQ(RunQuery(*schema_, "mutation { a: add(n: 1) b: add(n: 2) c: add(n: 3) }"),
            R"({"data":{"a":1,"b":3,"c":6}})");
  // A failed non-null mutation field stops the ones after it.
  EXPECT_EQ(
      RunQuery(*schema_, "mutation { a: add(n: 1) b: add(n: -1) c: add(n: 100) }"),
      R"({"errors":[{"message":"n must not be negative.","locations":[{"line":1,"column":25}],"path":["b"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":null})");
  EXPECT_EQ(log->size(), 4u);
  ExecuteOptions get;
  get.allow_mutations = false;
  EXPECT_EQ(
      RunQuery(*schema_, "mutation { add(n: 1) }", "null", get),
      R"({"errors":[{"message":"Can only perform a mutation operation from a POST request.","locations":[{"line":1,"column":1}],"extensions":{"code":"BAD_REQUEST"}}]})");
}

TEST_F(ExecutionTest, BatchResolverIsCalledOncePerLevel) {
  auto people = std::make_shared<std::map<std::string, PersonData>>(
      std::map<std::string, PersonData>{{"ann", {"Ann", 30, {"bob", "cid"}}},
                                        {"bob", {"Bob", 40, {"ann"}}},
                                        {"cid", {"Cid", 50, {}}}});
  auto calls = std::make_shared<int>(0);
  auto handle = [people](const std::string& id) {
    return Value::FromHandle(std::make_shared<const std::string>(id));
  };
  ASSERT_TRUE(schema_->SetResolver("Query.people",
                                   [handle](const Value&, const Value&, Context&) -> FieldResult {
                                     return Value(Value::List{handle("ann"), handle("bob")});
                                   }));
  ASSERT_TRUE(schema_->SetResolver("Person.name",
                                   [people](const Value& p, const Value&, Context&) -> FieldResult {
                                     return people->at(*p.HandleAs<std::string>()).name;
                                   }));
  ASSERT_TRUE(schema_->SetBatchResolver(
      "Person.friends",
      [people, calls, handle](std::span<const Value> parents, const Value&, Context&) {
        ++*calls;
        std::vector<FieldResult> out;
        for (const Value& p : parents) {
          Value::List friends;
          for (const auto& f : people->at(*p.HandleAs<std::string>()).friends)
            friends.push_back(handle(f));
          out.emplace_back(Value(std::move(friends)));
        }
        return out;
      }));
  EXPECT_EQ(
      RunQuery(*schema_, "{ people { name friends { name friends { name } } } }"),
      R"({"data":{"people":[{"name":"Ann","friends":[{"name":"Bob","friends":[{"name":"Ann"}]},{"name":"Cid","friends":[]}]},)"
      R"({"name":"Bob","friends":[{"name":"Ann","friends":[{"name":"Bob"},{"name":"Cid"}]}]}]}})");
  EXPECT_EQ(*calls, 2);
}

TEST_F(ExecutionTest, BatchResolverWithWrongResultCount) {
  ASSERT_TRUE(schema_->SetBatchResolver(
      "Query.failing",
      [](std::span<const Value>, const Value&, Context&) { return std::vector<FieldResult>{}; }));
  EXPECT_EQ(
      RunQuery(*schema_, "{ failing }"),
      R"({"errors":[{"message":"Batch resolver for Query.failing returned 0 results for 1 parents.","locations":[{"line":1,"column":3}],"path":["failing"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}],"data":{"failing":null}})");
}

TEST_F(ExecutionTest, AbstractTypes) {
  Value root =
      Obj({{"search",
            Value(Value::List{
                Obj({{"__typename", "Dog"}, {"name", "Rex"}, {"barkVolume", 7}}),
                Obj({{"__typename", "Person"}, {"name", "Ann"}, {"pets", Value::EmptyList()}})})},
           {"pet", Obj({{"kind", "cat"}, {"name", "Tom"}, {"lives", 9}})}});
  ASSERT_TRUE(schema_->SetTypeResolver("Pet", [](const Value& v, Context&) {
    return v.Find("kind")->AsString() == "cat" ? std::string("Cat") : std::string("Dog");
  }));
  EXPECT_EQ(
      RunQuery(*schema_,
               R"({ search(text: "x") { __typename ... on Named { name } ... on Dog { barkVolume } }
                               pet { __typename name ... on Cat { lives } } })",
               "null", {}, root),
      R"({"data":{"search":[{"__typename":"Dog","name":"Rex","barkVolume":7},{"__typename":"Person","name":"Ann"}],)"
      R"("pet":{"__typename":"Cat","name":"Tom","lives":9}}})");
  root = Obj({{"search", Value(Value::List{Obj({{"name", "?"}})})}});
  EXPECT_EQ(
      RunQuery(*schema_, R"({ search(text: "x") { __typename } })", "null", {}, root),
      R"({"errors":[{"message":"Abstract type \"SearchResult\" must resolve to an Object type at runtime for field \"Query.search\". Either the \"SearchResult\" type should provide a \"resolveType\" function or each possible type should provide an \"isTypeOf\" function.","locations":[{"line":1,"column":3}],"path":["search",0]}],"data":null})");
  EXPECT_FALSE(schema_->SetTypeResolver("Person", nullptr).has_value());
}

TEST_F(ExecutionTest, SkipIncludeAndFragments) {
  Value root = Obj({{"hello", "h"}, {"nonNull", "n"}});
  EXPECT_EQ(RunQuery(*schema_, R"(query ($yes: Boolean!, $no: Boolean = false) {
                 a: hello @include(if: $yes) b: hello @skip(if: $yes) ...F @include(if: $no)
                 ... on Query @skip(if: $no) { nonNull } }
               fragment F on Query { c: hello })",
                     R"({"yes": true})", {}, root),
            R"({"data":{"a":"h","nonNull":"n"}})");
}

TEST_F(ExecutionTest, OperationSelection) {
  Value root = Obj({{"hello", "h"}});
  Request req;
  req.query = "query A { hello } query B { h: hello }";
  req.root_value = root;
  Context ctx;
  EXPECT_EQ(
      ResponseToJson(Execute(*schema_, req, ctx)),
      R"({"errors":[{"message":"Must provide operation name if query contains multiple operations.","extensions":{"code":"BAD_REQUEST"}}]})");
  req.operation_name = "B";
  EXPECT_EQ(ResponseToJson(Execute(*schema_, req, ctx)), R"({"data":{"h":"h"}})");
  req.operation_name = "C";
  EXPECT_EQ(
      ResponseToJson(Execute(*schema_, req, ctx)),
      R"({"errors":[{"message":"Unknown operation named \"C\".","extensions":{"code":"BAD_REQUEST"}}]})");
}

TEST_F(ExecutionTest, ContextReachesResolvers) {
  ASSERT_TRUE(schema_->SetResolver("Query.hello",
                                   [](const Value&, const Value&, Context& ctx) -> FieldResult {
                                     return *std::any_cast<std::string>(&ctx.user);
                                   }));
  Request req;
  req.query = "{ hello }";
  Context ctx;
  ctx.user = std::string("user-42");
  EXPECT_EQ(ResponseToJson(Execute(*schema_, req, ctx)), R"({"data":{"hello":"user-42"}})");
}

TEST(SchemaTest, RejectsInvalidSdl) {
  EXPECT_FALSE(Schema::FromSdl("type Query { a: Nope }").has_value());
  EXPECT_FALSE(Schema::FromSdl("type Foo { a: Int }").has_value());
  EXPECT_FALSE(Schema::FromSdl("type Query { a: Int } type Query { b: Int }").has_value());
  EXPECT_FALSE(Schema::FromSdl("input I { a: Int } type Query { a(x: Query): Int }").has_value());
  EXPECT_FALSE(Schema::FromSdl("type Query { a(x: Int = \"s\"): Int }").has_value());
  EXPECT_FALSE(
      Schema::FromSdl("interface I { x: Int } type Query implements I { a: Int }").has_value());
  EXPECT_FALSE(Schema::FromSdl("type Query {").has_value());
  auto ok = Schema::FromSdl("type Query { a: Int } extend type Query { b: String }");
  ASSERT_TRUE(ok.has_value());
  EXPECT_NE((*ok)->query_type()->FindField("b"), nullptr);
  EXPECT_FALSE((*ok)->SetResolver("Query.nope", nullptr).has_value());
  EXPECT_FALSE((*ok)->SetResolver("Nope.a", nullptr).has_value());
}

}  // namespace
}  // namespace retrain::graphql
