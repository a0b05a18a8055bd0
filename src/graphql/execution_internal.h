#pragma once
// Internal: pieces shared by execution.cc (preparing a request) and execution_complete.cc
// (the executor).

#include <expected>
#include <map>
#include <string>
#include <vector>

#include "graphql/ast.h"
#include "graphql/graphql.h"

namespace retrain::graphql {

using FragmentMap = std::map<std::string, const ast::FragmentDefinition*, std::less<>>;

// Coerced argument values of a field or directive (graphql-js getArgumentValues). The error's
// locations are byte offsets in `offset`.
struct ArgumentError {
  std::string message;
  uint32_t offset;
};
std::expected<Value, ArgumentError> CoerceArgumentValues(const std::vector<InputValueDef>& defs,
                                                         const std::vector<ast::Argument>& args,
                                                         uint32_t node_offset,
                                                         const Value& variables);

// Whether @skip / @include let a selection through.
bool ShouldInclude(const Schema& schema, const std::vector<ast::Directive>& directives,
                   const Value& variables);

// Executes the operation whose root type is `root`; fills data and errors of `response`.
void RunOperation(const Schema& schema, const ast::Document& doc, const FragmentMap& fragments,
                  const ast::OperationDefinition& op, const NamedType& root, Value variables,
                  const Value& root_value, Context& context, Response& response);

}  // namespace retrain::graphql
