// Schema::FromSdl: turns SDL definitions into NamedTypes, checks them, and orders the type
// map as graphql-js does (so introspection lists types in the same order).
#include <set>

#include "graphql/coercion.h"
#include "graphql/introspection.h"
#include "graphql/parser.h"
#include "graphql/schema.h"

namespace retrain::graphql {

class SchemaBuilder {
 public:
  explicit SchemaBuilder(Schema& s) : s_(s) {}

  Status Build(std::string_view sdl);

 private:
  Status Declare(const ast::Document& doc, bool builtin, std::vector<NamedType*>* order);
  Status Fill(const ast::TypeDefinition& def);
  Result<TypeRef> Resolve(const ast::TypeNode& node);
  Result<InputValueDef> BuildInputValue(const ast::InputValueDefinition& def);
  Result<DirectiveDef> BuildDirective(const ast::DirectiveDefinition& def);
  Status CoerceDefault(InputValueDef& v, const ast::ValueNode* literal);
  void OrderTypes(const std::vector<NamedType*>& config_types);
  void Collect(const NamedType* t, std::vector<const NamedType*>& out,
               std::set<const NamedType*>& seen);
  Status Check();

  static std::unexpected<Error> Bad(std::string m) {
    return Fail(ErrorCode::kInvalidArgument, std::move(m));
  }

  Schema& s_;
};

namespace {

std::optional<std::string> DeprecationReason(const std::vector<ast::Directive>& directives) {
  for (const auto& d : directives) {
    if (d.name.value != "deprecated") continue;
    for (const auto& a : d.arguments) {
      if (a.name.value == "reason" && a.value.kind == ast::ValueKind::kString) return a.value.text;
    }
    return std::string("No longer supported");
  }
  return std::nullopt;
}

ast::TypeDefinition::Kind KindOf(TypeKind k) {
  switch (k) {
    case TypeKind::kScalar:
      return ast::TypeDefinition::Kind::kScalar;
    case TypeKind::kObject:
      return ast::TypeDefinition::Kind::kObject;
    case TypeKind::kInterface:
      return ast::TypeDefinition::Kind::kInterface;
    case TypeKind::kUnion:
      return ast::TypeDefinition::Kind::kUnion;
    case TypeKind::kEnum:
      return ast::TypeDefinition::Kind::kEnum;
    case TypeKind::kInputObject:
      return ast::TypeDefinition::Kind::kInputObject;
  }
  return ast::TypeDefinition::Kind::kScalar;
}

TypeKind KindOf(ast::TypeDefinition::Kind k) {
  switch (k) {
    case ast::TypeDefinition::Kind::kScalar:
      return TypeKind::kScalar;
    case ast::TypeDefinition::Kind::kObject:
      return TypeKind::kObject;
    case ast::TypeDefinition::Kind::kInterface:
      return TypeKind::kInterface;
    case ast::TypeDefinition::Kind::kUnion:
      return TypeKind::kUnion;
    case ast::TypeDefinition::Kind::kEnum:
      return TypeKind::kEnum;
    case ast::TypeDefinition::Kind::kInputObject:
      return TypeKind::kInputObject;
  }
  return TypeKind::kScalar;
}

}  // namespace

Status SchemaBuilder::Declare(const ast::Document& doc, bool builtin,
                              std::vector<NamedType*>* order) {
  for (const auto& def : doc.definitions) {
    const auto* t = std::get_if<ast::TypeDefinition>(&def);
    if (t == nullptr || t->extension) continue;
    if (NamedType* existing = s_.MutableType(t->name.value)) {
      if (existing->builtin && existing->kind == TypeKind::kScalar &&
          t->kind == ast::TypeDefinition::Kind::kScalar && !builtin) {
        order->push_back(existing);  // redeclaring a standard scalar keeps the standard one
        continue;
      }
      return Bad("There can be only one type named \"" + t->name.value + "\".");
    }
    if (!builtin && t->name.value.starts_with("__")) {
      return Bad("Name \"" + t->name.value +
                 "\" must not begin with \"__\", which is reserved by GraphQL introspection.");
    }
    auto type = std::make_unique<NamedType>();
    type->kind = KindOf(t->kind);
    type->name = t->name.value;
    type->description = t->description;
    type->builtin = builtin;
    order->push_back(type.get());
    s_.all_types_.emplace(type->name, std::move(type));
  }
  return {};
}

Result<TypeRef> SchemaBuilder::Resolve(const ast::TypeNode& node) {
  switch (node.kind) {
    case ast::TypeNode::Kind::kNamed: {
      const NamedType* t = s_.MutableType(node.name.value);
      if (!t) return Bad("Unknown type \"" + node.name.value + "\".");
      return TypeRef(t);
    }
    case ast::TypeNode::Kind::kList: {
      auto inner = Resolve(*node.of);
      if (!inner) return inner;
      return inner->ListOf();
    }
    case ast::TypeNode::Kind::kNonNull: {
      auto inner = Resolve(*node.of);
      if (!inner) return inner;
      return inner->NonNullOf();
    }
  }
  return Bad("Invalid type reference.");
}

Result<InputValueDef> SchemaBuilder::BuildInputValue(const ast::InputValueDefinition& def) {
  InputValueDef v;
  v.name = def.name.value;
  v.description = def.description;
  auto type = Resolve(def.type);
  if (!type) return std::unexpected(type.error());
  if (!type->named()->IsInputType()) {
    return Bad("The type of \"" + v.name + "\" must be an input type but got: \"" +
               type->ToString() + "\".");
  }
  v.type = *type;
  v.deprecation_reason = DeprecationReason(def.directives);
  return v;
}

Status SchemaBuilder::Fill(const ast::TypeDefinition& def) {
  NamedType* t = s_.MutableType(def.name.value);
  if (t == nullptr) return Bad("Cannot extend unknown type \"" + def.name.value + "\".");
  if (KindOf(t->kind) != def.kind) {
    return Bad("Type \"" + def.name.value + "\" is extended with a different kind.");
  }
  for (const auto& d : def.directives) {
    if (d.name.value != "specifiedBy") continue;
    for (const auto& a : d.arguments) {
      if (a.name.value == "url" && a.value.kind == ast::ValueKind::kString) {
        t->specified_by_url = a.value.text;
      }
    }
  }
  for (const auto& i : def.interfaces) {
    NamedType* iface = s_.MutableType(i.value);
    if (!iface || iface->kind != TypeKind::kInterface) {
      return Bad("Type \"" + t->name +
                 "\" must only implement Interface types, it cannot "
                 "implement \"" +
                 i.value + "\".");
    }
    t->interfaces.push_back(iface);
  }
  for (const auto& f : def.fields) {
    if (t->FindField(f.name.value)) {
      return Bad("Field \"" + t->name + "." + f.name.value + "\" can only be defined once.");
    }
    FieldDef field;
    field.name = f.name.value;
    field.description = f.description;
    auto type = Resolve(f.type);
    if (!type) return std::unexpected(type.error());
    if (!type->named()->IsOutputType()) {
      return Bad("The type of \"" + t->name + "." + field.name +
                 "\" must be Output Type but got: \"" + type->ToString() + "\".");
    }
    field.type = *type;
    field.deprecation_reason = DeprecationReason(f.directives);
    for (const auto& a : f.arguments) {
      auto arg = BuildInputValue(a);
      if (!arg) return std::unexpected(arg.error());
      field.args.push_back(std::move(*arg));
    }
    t->fields.push_back(std::move(field));
  }
  for (const auto& m : def.members) {
    NamedType* member = s_.MutableType(m.value);
    if (!member || member->kind != TypeKind::kObject) {
      return Bad("Union type \"" + t->name +
                 "\" can only include Object types, it cannot "
                 "include \"" +
                 m.value + "\".");
    }
    t->possible_types.push_back(member);
  }
  for (const auto& v : def.values) {
    if (t->FindEnumValue(v.name.value)) {
      return Bad("Enum value \"" + t->name + "." + v.name.value + "\" can only be defined once.");
    }
    t->enum_values.push_back(
        EnumValueDef{v.name.value, v.description, DeprecationReason(v.directives)});
  }
  for (const auto& f : def.input_fields) {
    auto field = BuildInputValue(f);
    if (!field) return std::unexpected(field.error());
    t->input_fields.push_back(std::move(*field));
  }
  return {};
}

Result<DirectiveDef> SchemaBuilder::BuildDirective(const ast::DirectiveDefinition& def) {
  DirectiveDef d;
  d.name = def.name.value;
  d.description = def.description;
  d.repeatable = def.repeatable;
  for (const auto& l : def.locations) d.locations.push_back(l.value);
  for (const auto& a : def.arguments) {
    auto arg = BuildInputValue(a);
    if (!arg) return std::unexpected(arg.error());
    d.args.push_back(std::move(*arg));
  }
  return d;
}

Status SchemaBuilder::CoerceDefault(InputValueDef& v, const ast::ValueNode* literal) {
  if (literal == nullptr) return {};
  auto value = ValueFromAst(*literal, v.type, nullptr);
  if (!value) {
    return Bad("Default value " + PrintValue(*literal) + " of \"" + v.name +
               "\" is not a valid \"" + v.type.ToString() + "\".");
  }
  v.default_value = *value;
  v.default_literal = PrintLiteralFromValue(*value, v.type);
  return {};
}

void SchemaBuilder::Collect(const NamedType* t, std::vector<const NamedType*>& out,
                            std::set<const NamedType*>& seen) {
  if (!seen.insert(t).second) return;
  out.push_back(t);
  if (t->kind == TypeKind::kUnion) {
    for (const NamedType* m : t->possible_types) Collect(m, out, seen);
  } else if (t->kind == TypeKind::kObject || t->kind == TypeKind::kInterface) {
    for (const NamedType* i : t->interfaces) Collect(i, out, seen);
    for (const auto& f : t->fields) {
      Collect(f.type.named(), out, seen);
      for (const auto& a : f.args) Collect(a.type.named(), out, seen);
    }
  } else if (t->kind == TypeKind::kInputObject) {
    for (const auto& f : t->input_fields) Collect(f.type.named(), out, seen);
  }
}

void SchemaBuilder::OrderTypes(const std::vector<NamedType*>& config_types) {
  // Every configured type starts as "seen"; each is appended when its turn comes, together
  // with the not-yet-seen types it references.
  std::set<const NamedType*> seen(config_types.begin(), config_types.end());
  std::vector<const NamedType*> out;
  for (const NamedType* t : config_types) {
    seen.erase(t);
    Collect(t, out, seen);
  }
  for (const NamedType* root : {s_.query_, s_.mutation_, s_.subscription_}) {
    if (root) Collect(root, out, seen);
  }
  for (const auto& d : s_.directives_) {
    for (const auto& a : d.args) Collect(a.type.named(), out, seen);
  }
  Collect(s_.MutableType("__Schema"), out, seen);
  s_.ordered_ = out;
  for (const NamedType* t : out) s_.type_map_.emplace(t->name, t);
  for (const NamedType* t : out) {
    if (t->kind != TypeKind::kObject) continue;
    for (const NamedType* i : t->interfaces) {
      s_.MutableType(i->name)->possible_types.push_back(t);
    }
  }
}

Status SchemaBuilder::Check() {
  if (s_.query_ == nullptr) return Bad("Query root type must be provided.");
  for (const NamedType* root : {s_.query_, s_.mutation_, s_.subscription_}) {
    if (root && root->kind != TypeKind::kObject) {
      return Bad("Root type \"" + root->name + "\" must be an Object type.");
    }
  }
  for (const NamedType* t : s_.ordered_) {
    if ((t->kind == TypeKind::kObject || t->kind == TypeKind::kInterface) && t->fields.empty()) {
      return Bad("Type " + t->name + " must define one or more fields.");
    }
    if (t->kind == TypeKind::kEnum && t->enum_values.empty()) {
      return Bad("Enum type " + t->name + " must define one or more values.");
    }
    for (const NamedType* iface : t->interfaces) {
      for (const auto& f : iface->fields) {
        if (!t->FindField(f.name)) {
          return Bad("Interface field " + iface->name + "." + f.name + " expected but " + t->name +
                     " does not provide it.");
        }
      }
    }
  }
  return {};
}

Status SchemaBuilder::Build(std::string_view sdl) {
  auto builtin_doc = Parse(BuiltinSdl());
  if (!builtin_doc) return Bad("Built-in SDL: " + builtin_doc.error().message);
  auto doc = Parse(sdl);
  if (!doc) {
    const auto& e = doc.error();
    return Bad(e.message + " (line " + std::to_string(e.locations[0].line) + ", column " +
               std::to_string(e.locations[0].column) + ")");
  }
  std::vector<NamedType*> builtin_order, config_types;
  if (auto st = Declare(*builtin_doc, true, &builtin_order); !st) return st;
  if (auto st = Declare(*doc, false, &config_types); !st) return st;
  std::vector<DirectiveDef> user_directives, std_directives;
  for (const auto* d : {&*builtin_doc, &*doc}) {
    for (const auto& def : d->definitions) {
      if (const auto* t = std::get_if<ast::TypeDefinition>(&def)) {
        if (d == &*doc && !t->extension && s_.MutableType(t->name.value)->builtin) continue;
        if (auto st = Fill(*t); !st) return st;
      } else if (const auto* dd = std::get_if<ast::DirectiveDefinition>(&def)) {
        auto built = BuildDirective(*dd);
        if (!built) return std::unexpected(built.error());
        (d == &*doc ? user_directives : std_directives).push_back(std::move(*built));
      } else if (const auto* sd = std::get_if<ast::SchemaDefinition>(&def)) {
        s_.description_ = sd->description;
        for (const auto& [op, name] : sd->operation_types) {
          const NamedType* t = s_.MutableType(name.value);
          if (!t) return Bad("Unknown type \"" + name.value + "\".");
          (op == ast::OperationType::kQuery      ? s_.query_
           : op == ast::OperationType::kMutation ? s_.mutation_
                                                 : s_.subscription_) = t;
        }
      } else if (d == &*doc) {
        return Bad("The schema SDL must not contain operations or fragments.");
      }
    }
  }
  bool has_schema_def = false;
  for (const auto& def : doc->definitions) {
    has_schema_def = has_schema_def || std::holds_alternative<ast::SchemaDefinition>(def);
  }
  if (!has_schema_def) {
    s_.query_ = s_.MutableType("Query");
    s_.mutation_ = s_.MutableType("Mutation");
    s_.subscription_ = s_.MutableType("Subscription");
  }
  s_.directives_ = std::move(user_directives);
  for (auto& d : std_directives) {
    if (!s_.FindDirective(d.name)) s_.directives_.push_back(std::move(d));
  }
  // Default values, now that every type is complete.
  for (const auto* d : {&*builtin_doc, &*doc}) {
    for (const auto& def : d->definitions) {
      if (const auto* t = std::get_if<ast::TypeDefinition>(&def)) {
        NamedType* type = s_.MutableType(t->name.value);
        if (type->builtin && d == &*doc) continue;
        for (const auto& f : t->fields) {
          FieldDef* field = const_cast<FieldDef*>(type->FindField(f.name.value));
          for (const auto& a : f.arguments) {
            InputValueDef* arg = const_cast<InputValueDef*>(field->FindArg(a.name.value));
            if (auto st = CoerceDefault(*arg, a.default_value ? &*a.default_value : nullptr); !st) {
              return st;
            }
          }
        }
        for (const auto& f : t->input_fields) {
          auto* field = const_cast<InputValueDef*>(type->FindInputField(f.name.value));
          if (auto st = CoerceDefault(*field, f.default_value ? &*f.default_value : nullptr); !st) {
            return st;
          }
        }
      } else if (const auto* dd = std::get_if<ast::DirectiveDefinition>(&def)) {
        for (auto& directive : s_.directives_) {
          if (directive.name != dd->name.value) continue;
          for (const auto& a : dd->arguments) {
            auto* arg = const_cast<InputValueDef*>(directive.FindArg(a.name.value));
            if (auto st = CoerceDefault(*arg, a.default_value ? &*a.default_value : nullptr); !st) {
              return st;
            }
          }
        }
      }
    }
  }
  OrderTypes(config_types);
  if (auto st = Check(); !st) return st;

  auto string_type = TypeRef(s_.MutableType("String"));
  s_.typename_field_ = std::make_unique<FieldDef>();
  s_.typename_field_->name = "__typename";
  s_.typename_field_->description = "The name of the current Object type at runtime.";
  s_.typename_field_->type = string_type.NonNullOf();
  s_.schema_field_ = std::make_unique<FieldDef>();
  s_.schema_field_->name = "__schema";
  s_.schema_field_->description = "Access the current type schema of this server.";
  s_.schema_field_->type = TypeRef(s_.MutableType("__Schema")).NonNullOf();
  s_.type_field_ = std::make_unique<FieldDef>();
  s_.type_field_->name = "__type";
  s_.type_field_->description = "Request the type information of a single type.";
  s_.type_field_->type = TypeRef(s_.MutableType("__Type"));
  InputValueDef name_arg;
  name_arg.name = "name";
  name_arg.type = string_type.NonNullOf();
  s_.type_field_->args.push_back(std::move(name_arg));
  BindIntrospection(s_, *s_.schema_field_, *s_.type_field_, *s_.typename_field_);
  return {};
}

Result<std::unique_ptr<Schema>> Schema::FromSdl(std::string_view sdl) {
  std::unique_ptr<Schema> schema(new Schema());
  SchemaBuilder builder(*schema);
  if (auto st = builder.Build(sdl); !st) return std::unexpected(st.error());
  return schema;
}

}  // namespace retrain::graphql
