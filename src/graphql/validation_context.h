#pragma once
// Internal: the machinery behind Validate(). A Walker visits the document in graphql-js's
// order, keeps TypeInfo (the types at the current position) up to date, and calls every Rule
// on entering and leaving each node. A rule that returns false from Enter skips that node's
// children (only for itself). Errors therefore come out in the same order as graphql-js's.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graphql/ast.h"
#include "graphql/error.h"
#include "graphql/schema.h"

namespace retrain::graphql::validation {

enum class NodeKind {
  kDocument,
  kOperation,
  kFragmentDefinition,
  kVariableDefinition,
  kSelectionSet,
  kField,
  kFragmentSpread,
  kInlineFragment,
  kDirective,
  kArgument,
  kValue,
  kObjectField,
  kNamedType,
  kTypeDefinition,
  kSchemaDefinition,
  kDirectiveDefinition,
  kFieldDefinition,
  kInputValueDefinition,
  kEnumValueDefinition
};

struct NodeRef {
  NodeKind kind;
  const void* ptr;
  template <typename T>
  const T& As() const {
    return *static_cast<const T*>(ptr);
  }
};

// The types at the walker's current position (graphql-js's TypeInfo).
class TypeInfo {
 public:
  explicit TypeInfo(const Schema& schema) : schema_(schema) {}
  void Enter(const NodeRef& node);
  void Leave(const NodeRef& node);

  TypeRef GetType() const { return type_stack_.empty() ? TypeRef() : type_stack_.back(); }
  const NamedType* GetParentType() const {
    return parent_type_stack_.empty() ? nullptr : parent_type_stack_.back();
  }
  TypeRef GetInputType() const { return input_stack_.empty() ? TypeRef() : input_stack_.back(); }
  TypeRef GetParentInputType() const {
    return input_stack_.size() < 2 ? TypeRef() : input_stack_[input_stack_.size() - 2];
  }
  const FieldDef* GetFieldDef() const {
    return field_stack_.empty() ? nullptr : field_stack_.back();
  }
  bool HasDefaultValue() const { return !default_stack_.empty() && default_stack_.back(); }
  const InputValueDef* GetArgument() const { return argument_; }

 private:
  const Schema& schema_;
  std::vector<TypeRef> type_stack_;
  std::vector<const NamedType*> parent_type_stack_;
  std::vector<TypeRef> input_stack_;
  std::vector<const FieldDef*> field_stack_;
  std::vector<bool> default_stack_;
  const DirectiveDef* directive_ = nullptr;
  const InputValueDef* argument_ = nullptr;
};

// A named type from the AST, or an invalid TypeRef when a name is unknown.
TypeRef TypeFromAst(const Schema& schema, const ast::TypeNode& node);

class Rule {
 public:
  virtual ~Rule() = default;
  virtual bool Enter(const NodeRef& node) { return true; }
  virtual void Leave(const NodeRef& node) {}
};

class Context;

// Visits definitions, calling `rules` with `type_info` kept current.
class Walker {
 public:
  Walker(Context& ctx, TypeInfo& type_info, std::vector<Rule*> rules);
  void WalkDocument(const ast::Document& doc);
  void WalkOperation(const ast::OperationDefinition& op);
  void WalkFragment(const ast::FragmentDefinition& f);

 private:
  bool Enter(const NodeRef& n);  // false when every rule skips the children
  void Leave(const NodeRef& n);
  void WalkDefinition(const ast::Definition& def);
  void WalkVariableDefinition(const ast::VariableDefinition& v);
  void WalkSelectionSet(const ast::SelectionSet& set);
  void WalkSelection(const ast::Selection& s);
  void WalkDirectives(const std::vector<ast::Directive>& ds, const char* location);
  void WalkArguments(const std::vector<ast::Argument>& args);
  void WalkValue(const ast::ValueNode& v);
  void WalkType(const ast::TypeNode& t);
  void WalkNamedType(const ast::Name& n);
  void WalkInputValueDefinition(const ast::InputValueDefinition& v, const char* location);

  Context& ctx_;
  TypeInfo& ti_;
  std::vector<Rule*> rules_;
  std::vector<const void*> skipping_;  // per rule: the node whose subtree it skips
};

class Context {
 public:
  Context(const Schema& schema, const ast::Document& doc, int max_errors);

  const Schema& schema() const { return schema_; }
  const ast::Document& document() const { return doc_; }
  TypeInfo& type_info() { return type_info_; }
  void Report(std::string message, std::vector<uint32_t> offsets);
  bool aborted() const { return aborted_; }
  std::vector<GraphQLError> TakeErrors() { return std::move(errors_); }

  // The last fragment definition with this name.
  const ast::FragmentDefinition* GetFragment(std::string_view name) const;
  std::vector<const ast::Selection*> GetFragmentSpreads(const ast::SelectionSet& set) const;
  std::vector<const ast::FragmentDefinition*> GetRecursivelyReferencedFragments(
      const ast::OperationDefinition& op) const;

  struct VariableUsage {
    const ast::ValueNode* node;
    TypeRef type;      // the input type expected where the variable is used
    bool has_default;  // the position has a default value
  };
  std::vector<VariableUsage> GetRecursiveVariableUsages(const ast::OperationDefinition& op);

  // While walking a directive: its location name ("FIELD", "QUERY", ...).
  const char* directive_location = "";
  // While walking type-system definitions.
  bool in_sdl = false;

 private:
  std::vector<VariableUsage> GetVariableUsages(const void* def, bool is_operation);

  const Schema& schema_;
  const ast::Document& doc_;
  TypeInfo type_info_;
  int max_errors_;
  bool aborted_ = false;
  std::vector<GraphQLError> errors_;
  std::map<std::string, const ast::FragmentDefinition*, std::less<>> fragments_;
  std::map<const void*, std::vector<VariableUsage>> usage_cache_;
};

// Rule factories (validation_rules.cc, validation_directives.cc, validation_values.cc,
// validation_overlap.cc).
std::vector<std::unique_ptr<Rule>> MakeSpecifiedRules(Context& ctx);
std::unique_ptr<Rule> MakeKnownDirectives(Context& ctx);
std::unique_ptr<Rule> MakeUniqueDirectivesPerLocation(Context& ctx);
std::unique_ptr<Rule> MakeKnownArgumentNames(Context& ctx);
std::unique_ptr<Rule> MakeUniqueArgumentNames(Context& ctx);
std::unique_ptr<Rule> MakeValuesOfCorrectType(Context& ctx);
std::unique_ptr<Rule> MakeProvidedRequiredArguments(Context& ctx);
std::unique_ptr<Rule> MakeVariablesInAllowedPosition(Context& ctx);
std::unique_ptr<Rule> MakeOverlappingFieldsCanBeMerged(Context& ctx);
std::unique_ptr<Rule> MakeUniqueInputFieldNames(Context& ctx);

}  // namespace retrain::graphql::validation
