// Preparing execution: operation selection, variable and argument coercion, skip/include.
#include "graphql/execution.h"

#include "graphql/coercion.h"
#include "graphql/execution_internal.h"
#include "graphql/parser.h"
#include "graphql/validation_context.h"

namespace retrain::graphql {
namespace {

GraphQLError RequestError(std::string message, std::vector<SourceLocation> locations = {},
                          const char* code = kCodeBadUserInput) {
  return GraphQLError{std::move(message), std::move(locations), {}, code, {}};
}

// graphql-js getVariableValues: at most 50 errors.
std::expected<Value, std::vector<GraphQLError>> CoerceVariables(const Schema& schema,
                                                                const ast::Document& doc,
                                                                const ast::OperationDefinition& op,
                                                                const Value& inputs) {
  constexpr size_t kMaxErrors = 50;
  std::vector<GraphQLError> errors;
  Value coerced = Value::EmptyObject();
  bool aborted = false;
  auto report = [&](std::string message, uint32_t offset) {
    if (aborted) return;
    if (errors.size() >= kMaxErrors) {
      errors.push_back(RequestError(
          "Too many errors processing variables, error limit reached. Execution aborted."));
      aborted = true;
      return;
    }
    errors.push_back(RequestError(std::move(message), {doc.LocationOf(offset)}));
  };
  for (const auto& def : op.variables) {
    if (aborted) break;
    const std::string& name = def.name.value;
    TypeRef type = validation::TypeFromAst(schema, def.type);
    if (!type.valid() || !type.named()->IsInputType()) {
      report("Variable \"$" + name + "\" expected value of type \"" + PrintType(def.type) +
                 "\" which cannot be used as an input type.",
             def.type.loc);
      continue;
    }
    const Value* given = inputs.Find(name);
    if (given == nullptr) {
      if (def.default_value) {
        if (auto v = ValueFromAst(*def.default_value, type, nullptr)) coerced.Set(name, *v);
      } else if (type.IsNonNull()) {
        report("Variable \"$" + name + "\" of required type \"" + type.ToString() +
                   "\" was not provided.",
               def.loc);
      }
      continue;
    }
    if (given->IsNull() && type.IsNonNull()) {
      report("Variable \"$" + name + "\" of non-null type \"" + type.ToString() +
                 "\" must not be null.",
             def.loc);
      continue;
    }
    Value value = CoerceInputValue(
        *given, type,
        [&](const std::vector<PathSegment>& path, const Value& invalid, const std::string& msg) {
          std::string prefix = "Variable \"$" + name + "\" got invalid value " + Inspect(invalid);
          if (!path.empty()) prefix += " at \"" + name + PrintInputPath(path) + "\"";
          report(prefix + "; " + msg, def.loc);
        });
    coerced.Set(name, std::move(value));
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return coerced;
}

}  // namespace

std::expected<Value, ArgumentError> CoerceArgumentValues(const std::vector<InputValueDef>& defs,
                                                         const std::vector<ast::Argument>& args,
                                                         uint32_t node_offset,
                                                         const Value& variables) {
  Value out = Value::EmptyObject();
  for (const auto& def : defs) {
    const ast::Argument* arg = nullptr;
    for (const auto& a : args) {
      if (a.name.value == def.name) arg = &a;
    }
    if (arg == nullptr) {
      if (def.default_value) {
        out.Set(def.name, *def.default_value);
      } else if (def.type.IsNonNull()) {
        return std::unexpected(ArgumentError{"Argument \"" + def.name + "\" of required type \"" +
                                                 def.type.ToString() + "\" was not provided.",
                                             node_offset});
      }
      continue;
    }
    const ast::ValueNode& node = arg->value;
    bool is_null = node.kind == ast::ValueKind::kNull;
    if (node.kind == ast::ValueKind::kVariable) {
      const Value* v = variables.Find(node.text);
      if (v == nullptr) {
        if (def.default_value) {
          out.Set(def.name, *def.default_value);
        } else if (def.type.IsNonNull()) {
          return std::unexpected(ArgumentError{"Argument \"" + def.name + "\" of required type \"" +
                                                   def.type.ToString() +
                                                   "\" was provided the variable \"$" + node.text +
                                                   "\" which was not provided a runtime value.",
                                               node.loc});
        }
        continue;
      }
      is_null = v->IsNull();
    }
    if (is_null && def.type.IsNonNull()) {
      return std::unexpected(ArgumentError{"Argument \"" + def.name + "\" of non-null type \"" +
                                               def.type.ToString() + "\" must not be null.",
                                           node.loc});
    }
    auto coerced = ValueFromAst(node, def.type, &variables);
    if (!coerced) {
      return std::unexpected(ArgumentError{
          "Argument \"" + def.name + "\" has invalid value " + PrintValue(node) + ".", node.loc});
    }
    out.Set(def.name, std::move(*coerced));
  }
  return out;
}

bool ShouldInclude(const Schema& schema, const std::vector<ast::Directive>& directives,
                   const Value& variables) {
  for (const char* name : {"skip", "include"}) {
    const DirectiveDef* def = schema.FindDirective(name);
    if (def == nullptr) continue;
    for (const auto& d : directives) {
      if (d.name.value != name) continue;
      auto args = CoerceArgumentValues(def->args, d.arguments, d.loc, variables);
      if (!args) continue;
      const Value* cond = args->Find("if");
      if (cond && cond->IsBool()) {
        bool skip_name = std::string_view(name) == "skip";
        if (skip_name && cond->AsBool()) return false;
        if (!skip_name && !cond->AsBool()) return false;
      }
      break;
    }
  }
  return true;
}

Response ExecuteDocument(const Schema& schema, const ast::Document& doc, const Request& request,
                         Context& context, const ExecuteOptions& options) {
  Response response;
  const ast::OperationDefinition* operation = nullptr;
  FragmentMap fragments;
  for (const auto& def : doc.definitions) {
    if (const auto* op = std::get_if<ast::OperationDefinition>(&def)) {
      if (!request.operation_name) {
        if (operation != nullptr) {
          response.errors.push_back(
              RequestError("Must provide operation name if query contains multiple operations.", {},
                           kCodeBadRequest));
          return response;
        }
        operation = op;
      } else if (op->name && op->name->value == *request.operation_name) {
        operation = op;
      }
    } else if (const auto* f = std::get_if<ast::FragmentDefinition>(&def)) {
      fragments[f->name.value] = f;
    }
  }
  if (operation == nullptr) {
    response.errors.push_back(RequestError(
        request.operation_name ? "Unknown operation named \"" + *request.operation_name + "\"."
                               : std::string("Must provide an operation."),
        {}, kCodeBadRequest));
    return response;
  }
  if (operation->operation == ast::OperationType::kMutation && !options.allow_mutations) {
    response.errors.push_back(
        RequestError("Can only perform a mutation operation from a POST request.",
                     {doc.LocationOf(operation->loc)}, kCodeBadRequest));
    return response;
  }
  Value inputs = request.variables.IsObject() ? request.variables : Value::EmptyObject();
  auto variables = CoerceVariables(schema, doc, *operation, inputs);
  if (!variables) {
    response.errors = std::move(variables.error());
    return response;
  }
  const NamedType* root = operation->operation == ast::OperationType::kQuery ? schema.query_type()
                          : operation->operation == ast::OperationType::kMutation
                              ? schema.mutation_type()
                              : schema.subscription_type();
  response.has_data = true;
  if (root == nullptr) {
    static const char* kNames[] = {"query", "mutation", "subscription"};
    response.errors.push_back(RequestError(std::string("Schema is not configured to execute ") +
                                               kNames[static_cast<int>(operation->operation)] +
                                               " operation.",
                                           {doc.LocationOf(operation->loc)}, kCodeBadRequest));
    return response;
  }
  RunOperation(schema, doc, fragments, *operation, *root, std::move(*variables), request.root_value,
               context, response);
  return response;
}

}  // namespace retrain::graphql
