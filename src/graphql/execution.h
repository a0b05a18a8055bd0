#pragma once
// Internal: execution of a validated document (spec section 6) and the checks around it.

#include <optional>
#include <string>
#include <vector>

#include "graphql/ast.h"
#include "graphql/graphql.h"

namespace retrain::graphql {

// Selects the operation, coerces variables and executes it. `doc` must have passed
// validation. Errors before execution leave has_data false.
Response ExecuteDocument(const Schema& schema, const ast::Document& doc, const Request& request,
                         Context& context, const ExecuteOptions& options);

// The depth and field-count limits over every operation of `doc`; nullopt when within them.
std::optional<GraphQLError> CheckLimits(const ast::Document& doc, const Limits& limits);

}  // namespace retrain::graphql
