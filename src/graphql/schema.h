#pragma once
// A GraphQL schema built from SDL text, plus the resolvers bound to it.
//
// Supported SDL: schema { query mutation subscription }, scalar (with @specifiedBy), type,
// interface (also implementing interfaces), union, enum, input, directive definitions,
// descriptions, field arguments with defaults, list and non-null types, @deprecated.
// Extensions (`extend type ...`) are merged into the extended type.
//
// Build once with FromSdl, bind resolvers, then share the Schema read-only: Execute may run
// on many threads at once against one Schema. Binding resolvers is not thread-safe and must
// happen before the schema is used.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "graphql/resolver.h"
#include "graphql/value.h"

namespace retrain::graphql {

enum class TypeKind { kScalar, kObject, kInterface, kUnion, kEnum, kInputObject };

struct NamedType;

// A possibly wrapped type: Named, [T] or T!.
class TypeRef {
 public:
  TypeRef() = default;
  explicit TypeRef(const NamedType* named, std::string wrappers = {})
      : named_(named), wrappers_(std::move(wrappers)) {}
  bool valid() const { return named_ != nullptr; }
  const NamedType* named() const { return named_; }
  bool IsNonNull() const { return !wrappers_.empty() && wrappers_[0] == '!'; }
  bool IsList() const { return !wrappers_.empty() && wrappers_[0] == '['; }
  bool IsNamed() const { return wrappers_.empty(); }
  TypeRef OfType() const { return TypeRef(named_, wrappers_.substr(1)); }
  TypeRef Nullable() const { return IsNonNull() ? OfType() : *this; }
  TypeRef ListOf() const { return TypeRef(named_, "[" + wrappers_); }
  TypeRef NonNullOf() const { return IsNonNull() ? *this : TypeRef(named_, "!" + wrappers_); }
  std::string ToString() const;  // "[Int!]!"
  friend bool operator==(const TypeRef&, const TypeRef&) = default;

 private:
  const NamedType* named_ = nullptr;
  std::string wrappers_;  // outermost first: '[' = list, '!' = non-null
};

struct InputValueDef {
  std::string name;
  std::optional<std::string> description;
  TypeRef type;
  std::optional<Value> default_value;          // coerced
  std::optional<std::string> default_literal;  // as printed by introspection
  std::optional<std::string> deprecation_reason;
};

struct FieldDef {
  std::string name;
  std::optional<std::string> description;
  std::vector<InputValueDef> args;
  TypeRef type;
  std::optional<std::string> deprecation_reason;
  FieldResolver resolver;
  BatchResolver batch_resolver;

  const InputValueDef* FindArg(std::string_view arg) const;
};

struct EnumValueDef {
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> deprecation_reason;
};

struct NamedType {
  TypeKind kind = TypeKind::kScalar;
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> specified_by_url;
  std::vector<FieldDef> fields;                  // object, interface
  std::vector<const NamedType*> interfaces;      // object, interface
  std::vector<const NamedType*> possible_types;  // union members; interface implementations
  std::vector<EnumValueDef> enum_values;
  std::vector<InputValueDef> input_fields;
  ScalarCoercion scalar;
  TypeResolver type_resolver;
  bool builtin = false;

  const FieldDef* FindField(std::string_view f) const;
  const EnumValueDef* FindEnumValue(std::string_view v) const;
  const InputValueDef* FindInputField(std::string_view f) const;
  bool IsLeaf() const { return kind == TypeKind::kScalar || kind == TypeKind::kEnum; }
  bool IsAbstract() const { return kind == TypeKind::kInterface || kind == TypeKind::kUnion; }
  bool IsComposite() const { return kind == TypeKind::kObject || IsAbstract(); }
  bool IsInputType() const { return IsLeaf() || kind == TypeKind::kInputObject; }
  bool IsOutputType() const { return kind != TypeKind::kInputObject; }
};

struct DirectiveDef {
  std::string name;
  std::optional<std::string> description;
  std::vector<std::string> locations;  // "FIELD", "QUERY", ...
  std::vector<InputValueDef> args;
  bool repeatable = false;
  const InputValueDef* FindArg(std::string_view arg) const;
};

class Schema {
 public:
  // Builds a schema from SDL. Errors (kInvalidArgument): syntax errors, unknown or duplicate
  // types, a missing Query type, output types used as inputs (and the reverse), invalid
  // default values, objects that miss fields of the interfaces they implement.
  static Result<std::unique_ptr<Schema>> FromSdl(std::string_view sdl);
  ~Schema();
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

  // Types reachable from the roots, in graphql-js's order (what __schema.types lists).
  const std::vector<const NamedType*>& types() const { return ordered_; }
  const NamedType* FindType(std::string_view name) const;
  const NamedType* query_type() const { return query_; }
  const NamedType* mutation_type() const { return mutation_; }
  const NamedType* subscription_type() const { return subscription_; }
  const std::vector<DirectiveDef>& directives() const { return directives_; }
  const DirectiveDef* FindDirective(std::string_view name) const;
  std::optional<std::string> description() const { return description_; }

  // The definition of `field` on `parent` including the meta-fields __typename (any
  // composite type) and __schema / __type (the query type). nullptr when unknown.
  const FieldDef* FieldFor(const NamedType* parent, std::string_view field) const;
  // Whether `object` is a member of the union or implements the interface `abstract`.
  bool IsPossibleType(const NamedType* abstract, const NamedType* object) const;
  // Whether `maybe_sub` is `super`, or an implementation/member of the abstract `super`.
  bool IsSubType(const NamedType* super, const NamedType* maybe_sub) const;
  // Whether two composite types can describe the same object.
  bool TypesOverlap(const NamedType* a, const NamedType* b) const;

  // Binding. `coordinate` is "Type.field". Errors (kInvalidArgument): unknown type or field.
  Status SetResolver(std::string_view coordinate, FieldResolver resolver);
  Status SetBatchResolver(std::string_view coordinate, BatchResolver resolver);
  // For an interface or union. Errors: unknown or non-abstract type.
  Status SetTypeResolver(std::string_view type, TypeResolver resolver);
  // For a custom scalar. Errors: unknown type, or not a custom scalar.
  Status SetScalarCoercion(std::string_view type, ScalarCoercion coercion);

 private:
  Schema();
  friend class SchemaBuilder;
  NamedType* MutableType(std::string_view name);
  FieldDef* MutableField(std::string_view coordinate, Error* error);

  std::map<std::string, std::unique_ptr<NamedType>, std::less<>> all_types_;
  std::map<std::string, const NamedType*, std::less<>> type_map_;  // reachable types only
  std::vector<const NamedType*> ordered_;
  std::vector<DirectiveDef> directives_;
  const NamedType* query_ = nullptr;
  const NamedType* mutation_ = nullptr;
  const NamedType* subscription_ = nullptr;
  std::optional<std::string> description_;
  std::unique_ptr<FieldDef> typename_field_;
  std::unique_ptr<FieldDef> schema_field_;
  std::unique_ptr<FieldDef> type_field_;
};

}  // namespace retrain::graphql
