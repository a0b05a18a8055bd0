#pragma once
// The resolver API: how a schema's fields get their values.
//
// A FieldResolver computes one field for one parent object. A BatchResolver computes one field
// for every parent object at the same level of the response at once (all `jobs` of all
// `mlModels` in one call), so nested lists cost one call per level instead of one per row.
// A field without a resolver reads the member of the parent object Value named like the field
// (null when the parent is not an object or has no such member).
//
// Resolvers run on the thread that calls Execute, one at a time per request. They must not
// throw: failures are returned as FieldError, which becomes an entry of the response's
// "errors" (message, locations, path, extensions.code) and a null in "data".

#include <any>
#include <expected>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "graphql/value.h"

namespace retrain::graphql {

// Per-request data the caller hands to Execute and every resolver sees (auth, clocks, stores).
struct Context {
  std::any user;
};

struct FieldError {
  std::string message;
  std::string code;  // extensions.code, e.g. "JOB_NOT_FOUND"; empty = none
  Value extensions;  // further extension members (an object), optional
};

using FieldResult = std::expected<Value, FieldError>;

// `args` is an object holding every declared argument that was given or has a default,
// already coerced to the argument's type (enum values as their name strings).
using FieldResolver =
    std::function<FieldResult(const Value& parent, const Value& args, Context& ctx)>;
// Must return exactly one result per parent, in the parents' order.
using BatchResolver = std::function<std::vector<FieldResult>(std::span<const Value> parents,
                                                             const Value& args, Context& ctx)>;
// Names the object type of a value whose static type is an interface or union. Without one,
// the value's "__typename" member is used.
using TypeResolver = std::function<std::string(const Value& value, Context& ctx)>;

// Conversions of a custom scalar. serialize turns a resolver's value into the response value;
// parse_value checks a variable's JSON value (literals are first turned into Values). An error
// string becomes the error message. Absent functions pass values through unchanged.
struct ScalarCoercion {
  std::function<std::expected<Value, std::string>(const Value&)> serialize;
  std::function<std::expected<Value, std::string>(const Value&)> parse_value;
};

// A failed field result with a message and an extensions.code.
inline std::unexpected<FieldError> FieldFailure(std::string code, std::string message) {
  return std::unexpected(FieldError{std::move(message), std::move(code), {}});
}

// A project Error as a field error: its message, and its api_code in SCREAMING form
// ("job_not_found" -> "JOB_NOT_FOUND").
inline std::unexpected<FieldError> FieldFailure(const Error& e) {
  return std::unexpected(FieldError{e.message, ScreamingCode(e.api_code), {}});
}

}  // namespace retrain::graphql
