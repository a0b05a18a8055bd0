#include "graphql/introspection.h"

namespace retrain::graphql {
namespace {

constexpr std::string_view kBuiltinSdl = R"(
"Whole numbers from -(2^31) to 2^31 - 1."
scalar Int
"Double-precision floating-point numbers (IEEE 754)."
scalar Float
"Text as UTF-8 character sequences."
scalar String
"true or false."
scalar Boolean
"A unique identifier, serialized as a string; accepts strings and integers as input."
scalar ID

"Include this field or fragment only when `if` is true."
directive @include("Included when true." if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
"Skip this field or fragment when `if` is true."
directive @skip("Skipped when true." if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
"Marks an element of the schema as no longer supported."
directive @deprecated(
  "Why the element is deprecated and what to use instead (Markdown)."
  reason: String = "No longer supported"
) on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
"Names a URL that specifies the behavior of a custom scalar."
directive @specifiedBy("The URL that specifies the behavior of this scalar." url: String!) on SCALAR

"The capabilities of this server: its types, root operation types and directives."
type __Schema {
  description: String
  "Every type the schema knows."
  types: [__Type!]!
  "The root type of query operations."
  queryType: __Type!
  "The root type of mutation operations, if mutations are supported."
  mutationType: __Type
  "The root type of subscription operations, if subscriptions are supported."
  subscriptionType: __Type
  "Every directive the schema supports."
  directives: [__Directive!]!
}

"One type of the schema: a named type (scalar, object, interface, union, enum, input object) or a wrapper (list, non-null) around another type."
type __Type {
  kind: __TypeKind!
  name: String
  description: String
  specifiedByURL: String
  fields(includeDeprecated: Boolean = false): [__Field!]
  interfaces: [__Type!]
  possibleTypes: [__Type!]
  enumValues(includeDeprecated: Boolean = false): [__EnumValue!]
  inputFields(includeDeprecated: Boolean = false): [__InputValue!]
  ofType: __Type
}

"The kind of a __Type."
enum __TypeKind {
  "A leaf value such as Int or String."
  SCALAR
  "An object with a set of fields."
  OBJECT
  "A set of fields that objects implementing it provide."
  INTERFACE
  "One of a list of object types."
  UNION
  "One of a fixed set of names."
  ENUM
  "A set of input fields, used as an argument."
  INPUT_OBJECT
  "A list of another type (see ofType)."
  LIST
  "A non-null form of another type (see ofType)."
  NON_NULL
}

"A field of an object or interface type."
type __Field {
  name: String!
  description: String
  args(includeDeprecated: Boolean = false): [__InputValue!]!
  type: __Type!
  isDeprecated: Boolean!
  deprecationReason: String
}

"An argument or an input object field, with its default value as a GraphQL literal."
type __InputValue {
  name: String!
  description: String
  type: __Type!
  "The default value printed as a GraphQL literal, or null."
  defaultValue: String
  isDeprecated: Boolean!
  deprecationReason: String
}

"One value of an enum type."
type __EnumValue {
  name: String!
  description: String
  isDeprecated: Boolean!
  deprecationReason: String
}

"A directive the server supports, with where it may appear and its arguments."
type __Directive {
  name: String!
  description: String
  isRepeatable: Boolean!
  locations: [__DirectiveLocation!]!
  args(includeDeprecated: Boolean = false): [__InputValue!]!
}

"Where a directive may be used."
enum __DirectiveLocation {
  "On a query operation."
  QUERY
  "On a mutation operation."
  MUTATION
  "On a subscription operation."
  SUBSCRIPTION
  "On a field."
  FIELD
  "On a fragment definition."
  FRAGMENT_DEFINITION
  "On a fragment spread."
  FRAGMENT_SPREAD
  "On an inline fragment."
  INLINE_FRAGMENT
  "On a variable definition."
  VARIABLE_DEFINITION
  "On a schema definition."
  SCHEMA
  "On a scalar definition."
  SCALAR
  "On an object type definition."
  OBJECT
  "On a field definition."
  FIELD_DEFINITION
  "On an argument definition."
  ARGUMENT_DEFINITION
  "On an interface definition."
  INTERFACE
  "On a union definition."
  UNION
  "On an enum definition."
  ENUM
  "On an enum value definition."
  ENUM_VALUE
  "On an input object type definition."
  INPUT_OBJECT
  "On an input object field definition."
  INPUT_FIELD_DEFINITION
}
)";

// A handle that points into the schema without owning it (the schema outlives every request).
template <typename T>
Value Ref(const T* p) {
  if (p == nullptr) return Value();
  return Value::FromHandle(std::shared_ptr<const T>(std::shared_ptr<const T>(), p));
}

Value TypeValue(const TypeRef& t) {
  if (!t.valid()) return Value();
  return Value::FromHandle(std::make_shared<const TypeRef>(t));
}

Value Optional(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }

bool IncludeDeprecated(const Value& args) {
  const Value* v = args.Find("includeDeprecated");
  return v && v->IsBool() && v->AsBool();
}

Value InputValues(const std::vector<InputValueDef>& defs, const Value& args) {
  Value::List out;
  for (const auto& d : defs) {
    if (d.deprecation_reason && !IncludeDeprecated(args)) continue;
    out.push_back(Ref(&d));
  }
  return Value(std::move(out));
}

// Binds `fn(const T&, const Value& args)` as the resolver of `coordinate`.
template <typename T, typename F>
void On(Schema& schema, std::string_view coordinate, F fn) {
  (void)schema.SetResolver(coordinate,
                           [fn](const Value& parent, const Value& args, Context&) -> FieldResult {
                             auto p = parent.HandleAs<T>();
                             if (!p) return Value();
                             return fn(*p, args);
                           });
}

const char* KindName(const TypeRef& t) {
  if (t.IsNonNull()) return "NON_NULL";
  if (t.IsList()) return "LIST";
  switch (t.named()->kind) {
    case TypeKind::kScalar:
      return "SCALAR";
    case TypeKind::kObject:
      return "OBJECT";
    case TypeKind::kInterface:
      return "INTERFACE";
    case TypeKind::kUnion:
      return "UNION";
    case TypeKind::kEnum:
      return "ENUM";
    case TypeKind::kInputObject:
      return "INPUT_OBJECT";
  }
  return "SCALAR";
}

void BindSchemaAndType(Schema& s) {
  On<Schema>(s, "__Schema.description",
             [](const Schema& sc, const Value&) { return Optional(sc.description()); });
  On<Schema>(s, "__Schema.types", [](const Schema& sc, const Value&) {
    Value::List out;
    for (const NamedType* t : sc.types()) out.push_back(TypeValue(TypeRef(t)));
    return Value(std::move(out));
  });
  On<Schema>(s, "__Schema.queryType",
             [](const Schema& sc, const Value&) { return TypeValue(TypeRef(sc.query_type())); });
  On<Schema>(s, "__Schema.mutationType",
             [](const Schema& sc, const Value&) { return TypeValue(TypeRef(sc.mutation_type())); });
  On<Schema>(s, "__Schema.subscriptionType", [](const Schema& sc, const Value&) {
    return TypeValue(TypeRef(sc.subscription_type()));
  });
  On<Schema>(s, "__Schema.directives", [](const Schema& sc, const Value&) {
    Value::List out;
    for (const auto& d : sc.directives()) out.push_back(Ref(&d));
    return Value(std::move(out));
  });

  On<TypeRef>(s, "__Type.kind", [](const TypeRef& t, const Value&) { return Value(KindName(t)); });
  On<TypeRef>(s, "__Type.name", [](const TypeRef& t, const Value&) {
    return t.IsNamed() ? Value(t.named()->name) : Value();
  });
  On<TypeRef>(s, "__Type.description", [](const TypeRef& t, const Value&) {
    return t.IsNamed() ? Optional(t.named()->description) : Value();
  });
  On<TypeRef>(s, "__Type.specifiedByURL", [](const TypeRef& t, const Value&) {
    return t.IsNamed() ? Optional(t.named()->specified_by_url) : Value();
  });
  On<TypeRef>(s, "__Type.fields", [](const TypeRef& t, const Value& args) {
    const NamedType* n = t.named();
    if (!t.IsNamed() || (n->kind != TypeKind::kObject && n->kind != TypeKind::kInterface))
      return Value();
    Value::List out;
    for (const auto& f : n->fields) {
      if (f.deprecation_reason && !IncludeDeprecated(args)) continue;
      out.push_back(Ref(&f));
    }
    return Value(std::move(out));
  });
  On<TypeRef>(s, "__Type.interfaces", [](const TypeRef& t, const Value&) {
    const NamedType* n = t.named();
    if (!t.IsNamed() || (n->kind != TypeKind::kObject && n->kind != TypeKind::kInterface))
      return Value();
    Value::List out;
    for (const NamedType* i : n->interfaces) out.push_back(TypeValue(TypeRef(i)));
    return Value(std::move(out));
  });
  On<TypeRef>(s, "__Type.possibleTypes", [](const TypeRef& t, const Value&) {
    if (!t.IsNamed() || !t.named()->IsAbstract()) return Value();
    Value::List out;
    for (const NamedType* p : t.named()->possible_types) out.push_back(TypeValue(TypeRef(p)));
    return Value(std::move(out));
  });
  On<TypeRef>(s, "__Type.enumValues", [](const TypeRef& t, const Value& args) {
    if (!t.IsNamed() || t.named()->kind != TypeKind::kEnum) return Value();
    Value::List out;
    for (const auto& v : t.named()->enum_values) {
      if (v.deprecation_reason && !IncludeDeprecated(args)) continue;
      out.push_back(Ref(&v));
    }
    return Value(std::move(out));
  });
  On<TypeRef>(s, "__Type.inputFields", [](const TypeRef& t, const Value& args) {
    if (!t.IsNamed() || t.named()->kind != TypeKind::kInputObject) return Value();
    return InputValues(t.named()->input_fields, args);
  });
  On<TypeRef>(s, "__Type.ofType", [](const TypeRef& t, const Value&) {
    return t.IsNamed() ? Value() : TypeValue(t.OfType());
  });
}

void BindMembers(Schema& s) {
  On<FieldDef>(s, "__Field.name", [](const FieldDef& f, const Value&) { return Value(f.name); });
  On<FieldDef>(s, "__Field.description",
               [](const FieldDef& f, const Value&) { return Optional(f.description); });
  On<FieldDef>(s, "__Field.args",
               [](const FieldDef& f, const Value& args) { return InputValues(f.args, args); });
  On<FieldDef>(s, "__Field.type",
               [](const FieldDef& f, const Value&) { return TypeValue(f.type); });
  On<FieldDef>(s, "__Field.isDeprecated", [](const FieldDef& f, const Value&) {
    return Value(f.deprecation_reason.has_value());
  });
  On<FieldDef>(s, "__Field.deprecationReason",
               [](const FieldDef& f, const Value&) { return Optional(f.deprecation_reason); });

  On<InputValueDef>(s, "__InputValue.name",
                    [](const InputValueDef& v, const Value&) { return Value(v.name); });
  On<InputValueDef>(s, "__InputValue.description",
                    [](const InputValueDef& v, const Value&) { return Optional(v.description); });
  On<InputValueDef>(s, "__InputValue.type",
                    [](const InputValueDef& v, const Value&) { return TypeValue(v.type); });
  On<InputValueDef>(s, "__InputValue.defaultValue", [](const InputValueDef& v, const Value&) {
    return Optional(v.default_literal);
  });
  On<InputValueDef>(s, "__InputValue.isDeprecated", [](const InputValueDef& v, const Value&) {
    return Value(v.deprecation_reason.has_value());
  });
  On<InputValueDef>(s, "__InputValue.deprecationReason", [](const InputValueDef& v, const Value&) {
    return Optional(v.deprecation_reason);
  });

  On<EnumValueDef>(s, "__EnumValue.name",
                   [](const EnumValueDef& v, const Value&) { return Value(v.name); });
  On<EnumValueDef>(s, "__EnumValue.description",
                   [](const EnumValueDef& v, const Value&) { return Optional(v.description); });
  On<EnumValueDef>(s, "__EnumValue.isDeprecated", [](const EnumValueDef& v, const Value&) {
    return Value(v.deprecation_reason.has_value());
  });
  On<EnumValueDef>(s, "__EnumValue.deprecationReason", [](const EnumValueDef& v, const Value&) {
    return Optional(v.deprecation_reason);
  });

  On<DirectiveDef>(s, "__Directive.name",
                   [](const DirectiveDef& d, const Value&) { return Value(d.name); });
  On<DirectiveDef>(s, "__Directive.description",
                   [](const DirectiveDef& d, const Value&) { return Optional(d.description); });
  On<DirectiveDef>(s, "__Directive.isRepeatable",
                   [](const DirectiveDef& d, const Value&) { return Value(d.repeatable); });
  On<DirectiveDef>(s, "__Directive.locations", [](const DirectiveDef& d, const Value&) {
    Value::List out;
    for (const auto& l : d.locations) out.emplace_back(l);
    return Value(std::move(out));
  });
  On<DirectiveDef>(s, "__Directive.args", [](const DirectiveDef& d, const Value& args) {
    return InputValues(d.args, args);
  });
}

}  // namespace

std::string_view BuiltinSdl() { return kBuiltinSdl; }

Value SchemaHandle(const Schema& schema) { return Ref(&schema); }

void BindIntrospection(Schema& schema, FieldDef& schema_field, FieldDef& type_field,
                       FieldDef& typename_field) {
  BindSchemaAndType(schema);
  BindMembers(schema);
  const Schema* s = &schema;
  schema_field.resolver = [s](const Value&, const Value&, Context&) -> FieldResult {
    return SchemaHandle(*s);
  };
  type_field.resolver = [s](const Value&, const Value& args, Context&) -> FieldResult {
    const Value* name = args.Find("name");
    if (!name || !name->IsString()) return Value();
    return TypeValue(TypeRef(s->FindType(name->AsString())));
  };
  typename_field.resolver = nullptr;  // answered by the executor from the runtime type
}

}  // namespace retrain::graphql
