#pragma once
// A schema for the engine's unit tests with every kind of type (interfaces, a union, input
// objects, a custom scalar, deprecations), plus helpers to run queries.

#include <memory>
#include <string>
#include <string_view>

#include "graphql/graphql.h"

namespace retrain::graphql::testing {

inline constexpr std::string_view kTestSdl = R"(
"A calendar date."
scalar Date @specifiedBy(url: "https://example.com/date")
enum Color { RED GREEN BLUE @deprecated(reason: "Use RED") }
interface Named { name: String! }
interface Pet implements Named { name: String! owner: Person }
type Dog implements Pet & Named { name: String! owner: Person barkVolume: Int nickname: String @deprecated }
type Cat implements Pet & Named { name: String! owner: Person lives: Int! }
"Somebody."
type Person implements Named {
  name: String!
  pets: [Pet!]!
  friends: [Person]
  age: Int
  born: Date
}
union SearchResult = Dog | Cat | Person
input Filter { name: String, minAge: Int = 0, colors: [Color!], inner: Inner }
input Inner { flag: Boolean! }
type Query {
  hello(name: String = "world"): String!
  person(id: ID!): Person
  people(filter: Filter, first: Int = 10): [Person!]!
  search(text: String!): [SearchResult!]!
  pet: Pet
  echo(value: Float, color: Color, list: [Int], date: Date, flag: Boolean, id: ID, filter: Filter): String
  nonNull: String!
  failing: String
  deep: Query!
}
type Mutation { add(n: Int!): Int! }
)";

inline std::unique_ptr<Schema> MakeSchema(std::string_view sdl = kTestSdl) {
  auto s = Schema::FromSdl(sdl);
  if (!s) return nullptr;
  return std::move(*s);
}

// Runs `query` (variables as JSON text) and returns the response as JSON text.
inline std::string RunQuery(const Schema& schema, std::string_view query,
                            std::string_view variables = "null", const ExecuteOptions& options = {},
                            Value root = Value()) {
  Request req;
  req.query = std::string(query);
  req.variables = *ParseJson(variables);
  req.root_value = std::move(root);
  Context ctx;
  return ResponseToJson(Execute(schema, req, ctx, options));
}

}  // namespace retrain::graphql::testing
