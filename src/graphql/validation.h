#pragma once
// Validation of an executable document against a schema (spec section 5): every rule of the
// October 2021 spec, with graphql-js's messages, locations and error order. Errors carry
// extensions.code GRAPHQL_VALIDATION_FAILED. Thread-safe for a shared const Schema.

#include <vector>

#include "graphql/ast.h"
#include "graphql/error.h"
#include "graphql/schema.h"

namespace retrain::graphql {

// All validation errors of `doc`; empty when it is valid. After `max_errors` errors,
// validation stops with one more error saying so.
std::vector<GraphQLError> Validate(const Schema& schema, const ast::Document& doc,
                                   int max_errors = 100);

}  // namespace retrain::graphql
