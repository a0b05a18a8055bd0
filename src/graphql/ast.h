#pragma once
// The syntax tree of a GraphQL document: executable definitions (operations, fragments) and
// type-system definitions (SDL). Every node records the byte offset where it starts in the
// source; Document::LocationOf turns an offset into a line and column.
// Nodes own their children; a Document is movable, not copyable, and immutable once parsed.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "graphql/error.h"

namespace retrain::graphql::ast {

struct Name {
  std::string value;
  uint32_t loc = 0;
};

enum class ValueKind { kVariable, kInt, kFloat, kString, kBoolean, kNull, kEnum, kList, kObject };

struct ObjectField;

struct ValueNode {
  ValueKind kind = ValueKind::kNull;
  uint32_t loc = 0;
  // kVariable: the name; kInt/kFloat: the literal text; kString: the decoded string;
  // kEnum: the name; kBoolean: "true"/"false".
  std::string text;
  bool block = false;  // a block string ("""...""")
  std::vector<ValueNode> list;
  std::vector<ObjectField> fields;
};

struct ObjectField {
  Name name;
  ValueNode value;
  uint32_t loc = 0;
};

struct TypeNode {
  enum class Kind { kNamed, kList, kNonNull };
  Kind kind = Kind::kNamed;
  Name name;                     // kNamed
  std::unique_ptr<TypeNode> of;  // kList, kNonNull
  uint32_t loc = 0;
};

struct Argument {
  Name name;
  ValueNode value;
  uint32_t loc = 0;
};

struct Directive {
  Name name;
  std::vector<Argument> arguments;
  uint32_t loc = 0;
};

struct Selection;

struct SelectionSet {
  std::vector<Selection> selections;
  uint32_t loc = 0;
};

struct Selection {
  enum class Kind { kField, kFragmentSpread, kInlineFragment };
  Kind kind = Kind::kField;
  uint32_t loc = 0;
  std::optional<Name> alias;        // kField
  Name name;                        // kField: field name; kFragmentSpread: fragment name
  std::vector<Argument> arguments;  // kField
  std::vector<Directive> directives;
  std::optional<Name> type_condition;         // kInlineFragment (optional)
  std::optional<SelectionSet> selection_set;  // kField (optional), kInlineFragment (required)

  const std::string& ResponseKey() const { return alias ? alias->value : name.value; }
};

enum class OperationType { kQuery, kMutation, kSubscription };

struct VariableDefinition {
  uint32_t loc = 0;
  uint32_t variable_loc = 0;  // the '$'
  Name name;                  // without '$'
  TypeNode type;
  std::optional<ValueNode> default_value;
  std::vector<Directive> directives;
};

struct OperationDefinition {
  uint32_t loc = 0;
  OperationType operation = OperationType::kQuery;
  std::optional<Name> name;
  std::vector<VariableDefinition> variables;
  std::vector<Directive> directives;
  SelectionSet selection_set;
};

struct FragmentDefinition {
  uint32_t loc = 0;
  Name name;
  Name type_condition;
  std::vector<Directive> directives;
  SelectionSet selection_set;
};

struct InputValueDefinition {
  uint32_t loc = 0;
  std::optional<std::string> description;
  Name name;
  TypeNode type;
  std::optional<ValueNode> default_value;
  std::vector<Directive> directives;
};

struct FieldDefinition {
  uint32_t loc = 0;
  std::optional<std::string> description;
  Name name;
  std::vector<InputValueDefinition> arguments;
  TypeNode type;
  std::vector<Directive> directives;
};

struct EnumValueDefinition {
  uint32_t loc = 0;
  std::optional<std::string> description;
  Name name;
  std::vector<Directive> directives;
};

struct TypeDefinition {
  enum class Kind { kScalar, kObject, kInterface, kUnion, kEnum, kInputObject };
  uint32_t loc = 0;
  Kind kind = Kind::kScalar;
  bool extension = false;
  std::optional<std::string> description;
  Name name;
  std::vector<Name> interfaces;
  std::vector<Directive> directives;
  std::vector<FieldDefinition> fields;
  std::vector<Name> members;
  std::vector<EnumValueDefinition> values;
  std::vector<InputValueDefinition> input_fields;
};

struct SchemaDefinition {
  uint32_t loc = 0;
  bool extension = false;
  std::optional<std::string> description;
  std::vector<Directive> directives;
  std::vector<std::pair<OperationType, Name>> operation_types;
};

struct DirectiveDefinition {
  uint32_t loc = 0;
  std::optional<std::string> description;
  Name name;
  std::vector<InputValueDefinition> arguments;
  bool repeatable = false;
  std::vector<Name> locations;
};

using Definition = std::variant<OperationDefinition, FragmentDefinition, TypeDefinition,
                                SchemaDefinition, DirectiveDefinition>;

struct Document {
  std::vector<Definition> definitions;
  std::string source;
  std::vector<uint32_t> line_starts;  // byte offset of each line's first character
  int token_count = 0;

  // Line and column (UTF-16 code units, 1-based) of a byte offset into `source`.
  SourceLocation LocationOf(uint32_t offset) const;
};

}  // namespace retrain::graphql::ast
