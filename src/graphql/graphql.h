#pragma once
// The GraphQL engine's front door: run a request against a schema and get the response,
// as structures or as JSON text (the body of POST /graphql and its answer).
//
// Pipeline: size limit -> parse (token limit) -> depth and field-count limits -> validation
// -> operation selection -> variable coercion -> execution (queries breadth-first with batch
// resolvers, mutation root fields one after another) -> response. A request stopped before
// execution gets errors and no "data"; no resolver runs for it.
//
// Thread-safe: any number of Execute calls may run at once on one const Schema; each call
// uses its own Context.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "graphql/error.h"
#include "graphql/resolver.h"
#include "graphql/schema.h"
#include "graphql/value.h"

namespace retrain::graphql {

// Abuse limits. Exceeding one yields one error with extensions.code QUERY_LIMIT_EXCEEDED.
struct Limits {
  size_t max_document_bytes = 64 * 1024;  // the query text
  int max_tokens = 10'000;
  // Nesting of field selections, root fields at depth 1. GraphiQL's introspection query
  // (graphql-js 16 getIntrospectionQuery) is 15 deep and selects about 230 fields.
  int max_depth = 20;
  int max_fields = 1'000;  // field selections with fragments expanded (complexity)
  int max_validation_errors = 100;
};

struct ExecuteOptions {
  Limits limits;
  // False for requests that must not change state (HTTP GET): mutations are refused with
  // extensions.code BAD_REQUEST.
  bool allow_mutations = true;
};

struct Request {
  std::string query;
  Value variables;  // an object, or null
  std::optional<std::string> operation_name;
  Value root_value;  // the parent value of root fields
};

struct Response {
  bool has_data = false;  // false: "data" is absent (request errors)
  Value data;             // an object, or null after a non-null root field failed
  std::vector<GraphQLError> errors;
};

// Runs one request. Never fails: every problem is reported in Response::errors.
Response Execute(const Schema& schema, const Request& request, Context& context,
                 const ExecuteOptions& options = {});

// {"data": ..., "errors": [...]} as compact JSON.
std::string ResponseToJson(const Response& response);
// Reads {"query": "...", "variables": {...} | null, "operationName": "..." | null}.
// Errors (kInvalidArgument): not JSON, not an object, missing or non-string query, variables
// not an object, operationName not a string.
Result<Request> ParseRequestJson(std::string_view body);
// ParseRequestJson + Execute + ResponseToJson. A malformed body gives a response with one
// error (extensions.code BAD_REQUEST) and no data.
std::string ExecuteJson(const Schema& schema, std::string_view body, Context& context,
                        const ExecuteOptions& options = {});

// JSON text <-> Value (numbers without fraction or exponent become Int when they fit). Text
// nesting deeper than kMaxJsonNesting (core/json_nesting.h) is refused with kInvalidArgument.
Result<Value> ParseJson(std::string_view text);
std::string ToJson(const Value& value);

}  // namespace retrain::graphql
