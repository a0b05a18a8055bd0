#pragma once
// Input and result coercion (spec sections 3.5, 3.9, 3.10, 6.4.1): literals and variable
// values into typed Values, resolver values into response values. Messages follow graphql-js.

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "graphql/ast.h"
#include "graphql/error.h"
#include "graphql/schema.h"
#include "graphql/value.h"

namespace retrain::graphql {

// A literal coerced to `type`, or nullopt when it is not valid for it. `variables` (an object
// of coerced variable values, may be null) resolves $vars.
std::optional<Value> ValueFromAst(const ast::ValueNode& node, const TypeRef& type,
                                  const Value* variables);
// A literal as a Value without a type (custom scalars).
Value ValueFromAstUntyped(const ast::ValueNode& node, const Value* variables);
// A leaf literal for a scalar or enum; the error is graphql-js's message for it.
std::expected<Value, std::string> ParseLeafLiteral(const NamedType& type,
                                                   const ast::ValueNode& node);
// A variable's value for a scalar or enum.
std::expected<Value, std::string> ParseLeafValue(const NamedType& type, const Value& v);
// A resolver's value for a scalar or enum, as it goes into the response.
std::expected<Value, std::string> SerializeLeaf(const NamedType& type, const Value& v);

// Called for every invalid part of an input value: its path inside the value, the invalid
// part, and the reason.
using InputErrorFn = std::function<void(const std::vector<PathSegment>& path, const Value& invalid,
                                        const std::string& message)>;
// Coerces a variable's JSON value to `type` (lists accept a single item).
Value CoerceInputValue(const Value& input, const TypeRef& type, const InputErrorFn& on_error);
// ".a[0].b" as graphql-js prints an input path.
std::string PrintInputPath(const std::vector<PathSegment>& path);

// A value printed as a GraphQL literal of `type` (introspection's defaultValue).
std::optional<std::string> PrintLiteralFromValue(const Value& v, const TypeRef& type);

}  // namespace retrain::graphql
