#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_schema.h"

namespace retrain::graphql {
namespace {

using testing::MakeSchema;
using testing::RunQuery;

std::string ReadCorpus(const std::string& name) {
  std::ifstream in(std::string(GRAPHQL_TEST_DIR) + "/corpus/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Introspection, TypeDetails) {
  auto schema = MakeSchema();
  EXPECT_EQ(
      RunQuery(*schema, R"({ __type(name: "Dog") { kind name interfaces { name }
      fields { name isDeprecated deprecationReason } } })"),
      R"({"data":{"__type":{"kind":"OBJECT","name":"Dog","interfaces":[{"name":"Pet"},{"name":"Named"}],)"
      R"("fields":[{"name":"name","isDeprecated":false,"deprecationReason":null},{"name":"owner","isDeprecated":false,"deprecationReason":null},)"
      R"({"name":"barkVolume","isDeprecated":false,"deprecationReason":null}]}}})");
  EXPECT_EQ(
      RunQuery(
          *schema,
          R"({ __type(name: "Dog") { fields(includeDeprecated: true) { name deprecationReason } } })"),
      R"({"data":{"__type":{"fields":[{"name":"name","deprecationReason":null},{"name":"owner","deprecationReason":null},)"
      R"({"name":"barkVolume","deprecationReason":null},{"name":"nickname","deprecationReason":"No longer supported"}]}}})");
  EXPECT_EQ(
      RunQuery(
          *schema,
          R"({ __type(name: "Pet") { kind possibleTypes { name } } u: __type(name: "SearchResult") { possibleTypes { name } } })"),
      R"({"data":{"__type":{"kind":"INTERFACE","possibleTypes":[{"name":"Dog"},{"name":"Cat"}]},"u":{"possibleTypes":[{"name":"Dog"},{"name":"Cat"},{"name":"Person"}]}}})");
  EXPECT_EQ(
      RunQuery(
          *schema,
          R"({ __type(name: "Filter") { kind inputFields { name defaultValue type { kind ofType { kind name } } } } })"),
      R"({"data":{"__type":{"kind":"INPUT_OBJECT","inputFields":[{"name":"name","defaultValue":null,"type":{"kind":"SCALAR","ofType":null}},)"
      R"({"name":"minAge","defaultValue":"0","type":{"kind":"SCALAR","ofType":null}},)"
      R"({"name":"colors","defaultValue":null,"type":{"kind":"LIST","ofType":{"kind":"NON_NULL","name":null}}},)"
      R"({"name":"inner","defaultValue":null,"type":{"kind":"INPUT_OBJECT","ofType":null}}]}}})");
  EXPECT_EQ(
      RunQuery(
          *schema,
          R"({ __type(name: "Date") { description specifiedByURL } c: __type(name: "Color") { enumValues(includeDeprecated: true) { name isDeprecated } } })"),
      R"({"data":{"__type":{"description":"A calendar date.","specifiedByURL":"https://example.com/date"},)"
      R"("c":{"enumValues":[{"name":"RED","isDeprecated":false},{"name":"GREEN","isDeprecated":false},{"name":"BLUE","isDeprecated":true}]}}})");
  EXPECT_EQ(
      RunQuery(*schema,
               R"({ __type(name: "Query") { fields { name args { name defaultValue } } } })")
              .find(R"({"name":"hello","args":[{"name":"name","defaultValue":"\"world\""}]})") !=
          std::string::npos,
      true);
}

TEST(Introspection, TypesListedInGraphqlJsOrder) {
  auto schema = MakeSchema();
  std::vector<std::string> names;
  for (const NamedType* t : schema->types()) names.push_back(t->name);
  std::vector<std::string> expected = {
      "Date",    "Color",        "Named",       "String",      "Pet",
      "Dog",     "Int",          "Cat",         "Person",      "SearchResult",
      "Filter",  "Inner",        "Boolean",     "Query",       "ID",
      "Float",   "Mutation",     "__Schema",    "__Type",      "__TypeKind",
      "__Field", "__InputValue", "__EnumValue", "__Directive", "__DirectiveLocation"};
  EXPECT_EQ(names, expected);
}

TEST(Introspection, GraphiqlQueryRunsWithoutErrors) {
  auto schema = MakeSchema();
  for (const char* file : {"introspection_graphiql.graphql", "introspection_all_options.graphql"}) {
    std::string query = ReadCorpus(file);
    ASSERT_FALSE(query.empty()) << file;
    std::string out = RunQuery(*schema, query);
    EXPECT_EQ(out.find("\"errors\""), std::string::npos) << out.substr(0, 500);
    EXPECT_NE(out.find(R"("queryType":{"name":"Query"})"), std::string::npos);
    EXPECT_NE(out.find(R"("mutationType":{"name":"Mutation"})"), std::string::npos);
    EXPECT_NE(out.find(R"("name":"specifiedBy")"), std::string::npos);
  }
}

TEST(Introspection, MetaFieldsOnlyOnRoot) {
  auto schema = MakeSchema();
  EXPECT_EQ(
      RunQuery(*schema, R"({ pet { __schema { queryType { name } } } })"),
      R"({"errors":[{"message":"Cannot query field \"__schema\" on type \"Pet\".","locations":[{"line":1,"column":9}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]})");
}

}  // namespace
}  // namespace retrain::graphql
