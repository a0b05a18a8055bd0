#pragma once
// Parses GraphQL documents: executable definitions (operations, fragments) and type-system
// definitions (schema, scalar, type, interface, union, enum, input, directive, and their
// `extend` forms). Syntax errors carry graphql-js's wording ("Syntax Error: Expected Name,
// found <EOF>.") and the location of the offending token. Thread-safe (no shared state).

#include <expected>
#include <string_view>

#include "graphql/ast.h"
#include "graphql/error.h"

namespace retrain::graphql {

struct ParseOptions {
  // Maximum number of tokens; 0 = unlimited. Exceeding it fails with code QUERY_LIMIT_EXCEEDED.
  int max_tokens = 0;
};

// The document, or one error (code GRAPHQL_PARSE_FAILED or QUERY_LIMIT_EXCEEDED).
std::expected<ast::Document, GraphQLError> Parse(std::string_view source,
                                                 const ParseOptions& options = {});

// Prints a value literal as graphql-js's printer does ("[1, 2]", "{a: \"x\"}", "$v").
std::string PrintValue(const ast::ValueNode& value);
// Prints a type reference ("[Int!]!").
std::string PrintType(const ast::TypeNode& type);
// Quotes a string as a GraphQL string literal.
std::string PrintString(std::string_view s);

}  // namespace retrain::graphql
