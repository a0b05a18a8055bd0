#pragma once
// A GraphQL error as it appears in a response's "errors" list (spec section 7.1.2).

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "graphql/value.h"

namespace retrain::graphql {

// 1-based line and column (columns count UTF-16 code units, as graphql-js does).
struct SourceLocation {
  int line = 1;
  int column = 1;
  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

// A response path segment: a field's response key or a list index.
using PathSegment = std::variant<std::string, int64_t>;

struct GraphQLError {
  std::string message;
  std::vector<SourceLocation> locations;
  std::vector<PathSegment> path;
  // extensions.code; empty = no code. Extra extension keys go in `extensions` (an object).
  std::string code;
  Value extensions;
};

// extensions.code values the engine itself uses.
inline constexpr char kCodeParseFailed[] = "GRAPHQL_PARSE_FAILED";
inline constexpr char kCodeValidationFailed[] = "GRAPHQL_VALIDATION_FAILED";
inline constexpr char kCodeBadUserInput[] = "BAD_USER_INPUT";
inline constexpr char kCodeBadRequest[] = "BAD_REQUEST";
inline constexpr char kCodeLimitExceeded[] = "QUERY_LIMIT_EXCEEDED";
inline constexpr char kCodeInternal[] = "INTERNAL_SERVER_ERROR";

}  // namespace retrain::graphql
