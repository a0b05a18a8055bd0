#include "graphql/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "graphql/parser.h"
#include "test_schema.h"

namespace retrain::graphql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class ValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = testing::MakeSchema();
    ASSERT_NE(schema_, nullptr);
  }

  // "message @line:col[,line:col]" for every error.
  std::vector<std::string> Errors(std::string_view query) {
    auto doc = Parse(query);
    EXPECT_TRUE(doc.has_value()) << (doc ? "" : doc.error().message);
    if (!doc) return {"<syntax>"};
    std::vector<std::string> out;
    for (const auto& e : Validate(*schema_, *doc)) {
      std::string s = e.message + " @";
      for (size_t i = 0; i < e.locations.size(); ++i) {
        s += (i ? "," : "") + std::to_string(e.locations[i].line) + ":" +
             std::to_string(e.locations[i].column);
      }
      EXPECT_EQ(e.code, kCodeValidationFailed);
      out.push_back(s);
    }
    return out;
  }

  std::unique_ptr<Schema> schema_;
};

TEST_F(ValidationTest, ValidDocumentHasNoErrors) {
  EXPECT_THAT(Errors(R"(
    query Q($f: Filter, $t: String!) {
      people(filter: $f) { ...P friends { name } }
      search(text: $t) { __typename ... on Named { name } ... on Dog { barkVolume } ... on Cat { lives } }
      pet { name ... on Dog { nickname } }
      echo(list: [1, 2], color: RED, filter: {name: "x", inner: {flag: true}})
    }
    fragment P on Person { name pets { name } }
  )"),
              IsEmpty());
}

TEST_F(ValidationTest, ExecutableDefinitions) {
  EXPECT_THAT(Errors("{ hello } type X { a: Int } extend schema @foo"),
              ElementsAre("The \"X\" definition is not executable. @1:11",
                          "The schema definition is not executable. @1:29",
                          "Unknown directive \"@foo\". @1:43"));
}

TEST_F(ValidationTest, OperationNamesAndAnonymous) {
  EXPECT_THAT(Errors("query A { hello } query A { hello }"),
              ElementsAre("There can be only one operation named \"A\". @1:7,1:25"));
  EXPECT_THAT(Errors("{ hello } query B { hello }"),
              ElementsAre("This anonymous operation must be the only defined operation. @1:1"));
}

TEST_F(ValidationTest, KnownTypeNames) {
  EXPECT_THAT(Errors("query ($a: Strng) { hello(name: $a) } "),
              ElementsAre("Unknown type \"Strng\". Did you mean \"String\"? @1:12"));
  EXPECT_THAT(Errors("{ pet { ... on Dgo { name } } }"),
              ElementsAre("Unknown type \"Dgo\". Did you mean \"Dog\"? @1:16"));
}

TEST_F(ValidationTest, FragmentsOnCompositeTypes) {
  EXPECT_THAT(
      Errors("{ pet { ...F } } fragment F on Color { name }"),
      ElementsAre("Fragment \"F\" cannot condition on non composite type \"Color\". @1:32"));
  EXPECT_THAT(Errors("{ pet { ... on Int { name } } }"),
              ElementsAre("Fragment cannot condition on non composite type \"Int\". @1:16"));
}

TEST_F(ValidationTest, VariablesAreInputTypes) {
  EXPECT_THAT(Errors("query ($p: [Person!]) { hello }"),
              ElementsAre("Variable \"$p\" cannot be non-input type \"[Person!]\". @1:12",
                          "Variable \"$p\" is never used. @1:8"));
}

TEST_F(ValidationTest, ScalarLeafs) {
  EXPECT_THAT(
      Errors("{ hello { x } person(id: 1) }"),
      ElementsAre(
          "Field \"hello\" must not have a selection since type \"String!\" has no subfields. @1:9",
          "Field \"person\" of type \"Person\" must have a selection of subfields. Did you mean "
          "\"person { ... }\"? @1:15"));
}

TEST_F(ValidationTest, FieldsOnCorrectType) {
  EXPECT_THAT(
      Errors("{ helo }"),
      ElementsAre("Cannot query field \"helo\" on type \"Query\". Did you mean \"hello\"? @1:3"));
  EXPECT_THAT(
      Errors("{ pet { lives } }"),
      ElementsAre(
          "Cannot query field \"lives\" on type \"Pet\". Did you mean to use an inline fragment on "
          "\"Cat\"? @1:9"));
  EXPECT_THAT(
      Errors("{ search(text: \"a\") { name } }"),
      ElementsAre(
          "Cannot query field \"name\" on type \"SearchResult\". Did you mean to use an inline "
          "fragment on \"Named\", \"Pet\", \"Cat\", \"Dog\", or \"Person\"? @1:23"));
}

TEST_F(ValidationTest, FragmentNamesSpreadsAndCycles) {
  EXPECT_THAT(Errors("{ pet { ...F } } fragment F on Pet { name } fragment F on Pet { name }"),
              ElementsAre("There can be only one fragment named \"F\". @1:27,1:54"));
  EXPECT_THAT(Errors("{ pet { ...Nope } }"), ElementsAre("Unknown fragment \"Nope\". @1:12"));
  EXPECT_THAT(Errors("{ hello } fragment F on Pet { name }"),
              ElementsAre("Fragment \"F\" is never used. @1:11"));
  EXPECT_THAT(
      Errors("{ pet { ...F } } fragment F on Person { name }"),
      ElementsAre(
          "Fragment \"F\" cannot be spread here as objects of type \"Pet\" can never be of type "
          "\"Person\". @1:9"));
  EXPECT_THAT(
      Errors("{ pet { ... on Person { name } } }"),
      ElementsAre("Fragment cannot be spread here as objects of type \"Pet\" can never be of type "
                  "\"Person\". @1:9"));
  EXPECT_THAT(Errors("{ pet { ...A } } fragment A on Pet { ...B } fragment B on Pet { ...A }"),
              ElementsAre("Cannot spread fragment \"A\" within itself via \"B\". @1:38,1:65"));
}

TEST_F(ValidationTest, Variables) {
  EXPECT_THAT(
      Errors("query ($a: Int, $a: Int) { echo(value: $a) }"),
      ElementsAre(
          "There can be only one variable named \"$a\". @1:9,1:18",
          "Variable \"$a\" of type \"Int\" used in position expecting type \"Float\". @1:17,1:40"));
  EXPECT_THAT(Errors("query Q { echo(value: $x) }"),
              ElementsAre("Variable \"$x\" is not defined by operation \"Q\". @1:23,1:1"));
  EXPECT_THAT(Errors("query ($x: Int) { hello }"),
              ElementsAre("Variable \"$x\" is never used. @1:8"));
  EXPECT_THAT(
      Errors("query ($x: String) { person(id: $x) { name } }"),
      ElementsAre(
          "Variable \"$x\" of type \"String\" used in position expecting type \"ID!\". @1:8,1:33"));
  EXPECT_THAT(
      Errors("query ($x: Int) { echo(list: [$x]) hello(name: $x) }"),
      ElementsAre(
          "Variable \"$x\" of type \"Int\" used in position expecting type \"String\". @1:8,1:48"));
  // A default value makes a nullable variable acceptable in a non-null position.
  EXPECT_THAT(Errors("query ($x: ID = 1) { person(id: $x) { name } }"), IsEmpty());
  EXPECT_THAT(Errors("query ($b: Boolean = true) { hello @skip(if: $b) }"), IsEmpty());
}

TEST_F(ValidationTest, Directives) {
  EXPECT_THAT(Errors("{ hello @nope }"), ElementsAre("Unknown directive \"@nope\". @1:9"));
  EXPECT_THAT(Errors("query @include(if: true) { hello }"),
              ElementsAre("Directive \"@include\" may not be used on QUERY. @1:7"));
  EXPECT_THAT(
      Errors("{ hello @skip(if: true) @skip(if: false) }"),
      ElementsAre("The directive \"@skip\" can only be used once at this location. @1:9,1:25"));
  EXPECT_THAT(
      Errors("{ hello @skip }"),
      ElementsAre(
          "Directive \"@skip\" argument \"if\" of type \"Boolean!\" is required, but it was not "
          "provided. @1:9"));
  EXPECT_THAT(Errors("{ hello @skip(if: true, unless: false) }"),
              ElementsAre("Unknown argument \"unless\" on directive \"@skip\". @1:25"));
}

TEST_F(ValidationTest, Arguments) {
  EXPECT_THAT(
      Errors("{ hello(nam: \"x\") }"),
      ElementsAre(
          "Unknown argument \"nam\" on field \"Query.hello\". Did you mean \"name\"? @1:9"));
  EXPECT_THAT(Errors("{ hello(name: \"a\", name: \"b\") }"),
              ElementsAre("There can be only one argument named \"name\". @1:9,1:20"));
  EXPECT_THAT(Errors("{ person { name } }"),
              ElementsAre("Field \"person\" argument \"id\" of type \"ID!\" is required, but it "
                          "was not provided. @1:3"));
}

TEST_F(ValidationTest, ValuesOfCorrectType) {
  EXPECT_THAT(Errors("{ echo(value: \"x\", color: YELLOW, flag: 1, id: 1.5, list: [1, \"2\"]) }"),
              ElementsAre("Float cannot represent non numeric value: \"x\" @1:15",
                          "Value \"YELLOW\" does not exist in \"Color\" enum. @1:27",
                          "Boolean cannot represent a non boolean value: 1 @1:41",
                          "ID cannot represent a non-string and non-integer value: 1.5 @1:48",
                          "Int cannot represent non-integer value: \"2\" @1:63"));
  EXPECT_THAT(
      Errors("{ echo(color: \"RED\") person(id: null) { name } }"),
      ElementsAre(
          "Enum \"Color\" cannot represent non-enum value: \"RED\". Did you mean the enum value "
          "\"RED\" or \"GREEN\"? @1:15",
          "Expected value of type \"ID!\", found null. @1:33"));
  EXPECT_THAT(
      Errors("{ echo(filter: {nam: \"x\", inner: {}}) }"),
      ElementsAre("Field \"nam\" is not defined by type \"Filter\". Did you mean \"name\"? @1:17",
                  "Field \"Inner.flag\" of required type \"Boolean!\" was not provided. @1:34"));
  EXPECT_THAT(Errors("{ echo(filter: {name: \"a\", name: \"b\"}) }"),
              ElementsAre("There can be only one input field named \"name\". @1:17,1:28"));
  EXPECT_THAT(Errors("{ echo(filter: 3) }"),
              ElementsAre("Expected value of type \"Filter\", found 3. @1:16"));
  // Custom scalars accept any literal.
  EXPECT_THAT(Errors("{ echo(date: {y: 2026, m: [1]}) }"), IsEmpty());
}

TEST_F(ValidationTest, OverlappingFields) {
  EXPECT_THAT(
      Errors("{ x: hello x: nonNull }"),
      ElementsAre("Fields \"x\" conflict because \"hello\" and \"nonNull\" are different fields. "
                  "Use different "
                  "aliases on the fields to fetch both if this was intentional. @1:3,1:12"));
  EXPECT_THAT(Errors("{ hello(name: \"a\") hello(name: \"b\") }"),
              ElementsAre("Fields \"hello\" conflict because they have differing arguments. Use "
                          "different aliases on "
                          "the fields to fetch both if this was intentional. @1:3,1:20"));
  EXPECT_THAT(
      Errors("{ search(text: \"a\") { ... on Dog { v: barkVolume } ... on Cat { v: lives } } }"),
      ElementsAre(
          "Fields \"v\" conflict because they return conflicting types \"Int\" and \"Int!\". Use "
          "different aliases on the fields to fetch both if this was intentional. @1:36,1:65"));
  EXPECT_THAT(
      Errors("{ pet { owner { n: name } owner { n: age } } }"),
      ElementsAre("Fields \"owner\" conflict because subfields \"n\" conflict because \"name\" and "
                  "\"age\" are "
                  "different fields. Use different aliases on the fields to fetch both if this was "
                  "intentional. @1:9,1:17,1:27,1:35"));
  // Different object types may use one response name for different fields.
  EXPECT_THAT(
      Errors("{ search(text: \"a\") { ... on Dog { n: barkVolume } ... on Person { n: age } } }"),
      IsEmpty());
  // A fragment spread within itself through nested fields: comparing its fields would follow the
  // cycle forever (graphql-js 16 overflows its stack here); only the cycle is reported.
  EXPECT_THAT(
      Errors("{ pet { ...F } } fragment F on Pet { owner { ...F owner { ...F } } }"),
      ElementsAre("Cannot spread fragment \"F\" within itself. @1:46",
                  "Cannot spread fragment \"F\" within itself. @1:59",
                  "Fragment \"F\" cannot be spread here as objects of type \"Person\" can never be "
                  "of type \"Pet\". @1:46",
                  "Cannot query field \"owner\" on type \"Person\". @1:51"));
}

TEST_F(ValidationTest, StopsAfterMaxErrors) {
  std::string q = "{";
  for (int i = 0; i < 5; ++i) q += " f" + std::to_string(i);
  q += " }";
  auto doc = Parse(q);
  auto errors = Validate(*schema_, *doc, 3);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[3].message,
            "Too many validation errors, error limit reached. Validation aborted.");
}

}  // namespace
}  // namespace retrain::graphql
