#include "graphql/schema.h"

#include <set>

#include "graphql/coercion.h"
#include "graphql/introspection.h"
#include "graphql/parser.h"

namespace retrain::graphql {

std::string TypeRef::ToString() const {
  if (!named_) return "";
  std::string out = named_->name;
  for (auto it = wrappers_.rbegin(); it != wrappers_.rend(); ++it) {
    out = *it == '!' ? out + "!" : "[" + out + "]";
  }
  return out;
}

const InputValueDef* FieldDef::FindArg(std::string_view arg) const {
  for (const auto& a : args) {
    if (a.name == arg) return &a;
  }
  return nullptr;
}

const InputValueDef* DirectiveDef::FindArg(std::string_view arg) const {
  for (const auto& a : args) {
    if (a.name == arg) return &a;
  }
  return nullptr;
}

const FieldDef* NamedType::FindField(std::string_view f) const {
  for (const auto& d : fields) {
    if (d.name == f) return &d;
  }
  return nullptr;
}

const EnumValueDef* NamedType::FindEnumValue(std::string_view v) const {
  for (const auto& d : enum_values) {
    if (d.name == v) return &d;
  }
  return nullptr;
}

const InputValueDef* NamedType::FindInputField(std::string_view f) const {
  for (const auto& d : input_fields) {
    if (d.name == f) return &d;
  }
  return nullptr;
}

Schema::Schema() = default;
Schema::~Schema() = default;

const NamedType* Schema::FindType(std::string_view name) const {
  auto it = type_map_.find(name);
  return it == type_map_.end() ? nullptr : it->second;
}

const DirectiveDef* Schema::FindDirective(std::string_view name) const {
  for (const auto& d : directives_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const FieldDef* Schema::FieldFor(const NamedType* parent, std::string_view field) const {
  if (parent == nullptr) return nullptr;
  if (field == "__typename" && parent->IsComposite()) return typename_field_.get();
  if (parent == query_) {
    if (field == "__schema") return schema_field_.get();
    if (field == "__type") return type_field_.get();
  }
  if (parent->kind != TypeKind::kObject && parent->kind != TypeKind::kInterface) return nullptr;
  return parent->FindField(field);
}

bool Schema::IsPossibleType(const NamedType* abstract, const NamedType* object) const {
  for (const NamedType* t : abstract->possible_types) {
    if (t == object) return true;
  }
  return false;
}

bool Schema::IsSubType(const NamedType* super, const NamedType* maybe_sub) const {
  if (super == maybe_sub) return true;
  if (!super->IsAbstract()) return false;
  if (super->kind == TypeKind::kUnion) return IsPossibleType(super, maybe_sub);
  for (const NamedType* i : maybe_sub->interfaces) {
    if (i == super) return true;
  }
  return IsPossibleType(super, maybe_sub);
}

bool Schema::TypesOverlap(const NamedType* a, const NamedType* b) const {
  if (a == b) return true;
  if (a->IsAbstract()) {
    if (b->IsAbstract()) {
      for (const NamedType* t : a->possible_types) {
        if (IsSubType(b, t)) return true;
      }
      return false;
    }
    return IsSubType(a, b);
  }
  if (b->IsAbstract()) return IsSubType(b, a);
  return false;
}

NamedType* Schema::MutableType(std::string_view name) {
  auto it = all_types_.find(name);
  return it == all_types_.end() ? nullptr : it->second.get();
}

FieldDef* Schema::MutableField(std::string_view coordinate, Error* error) {
  size_t dot = coordinate.find('.');
  if (dot == std::string_view::npos) {
    *error = Fail(ErrorCode::kInvalidArgument,
                  "Resolver coordinate \"" + std::string(coordinate) + "\" is not Type.field.")
                 .error();
    return nullptr;
  }
  NamedType* t = MutableType(coordinate.substr(0, dot));
  if (t == nullptr || (t->kind != TypeKind::kObject && t->kind != TypeKind::kInterface)) {
    *error = Fail(ErrorCode::kInvalidArgument,
                  "Unknown object type in \"" + std::string(coordinate) + "\".")
                 .error();
    return nullptr;
  }
  for (auto& f : t->fields) {
    if (f.name == coordinate.substr(dot + 1)) return &f;
  }
  *error = Fail(ErrorCode::kInvalidArgument, "Unknown field \"" + std::string(coordinate) + "\".")
               .error();
  return nullptr;
}

Status Schema::SetResolver(std::string_view coordinate, FieldResolver resolver) {
  Error error;
  FieldDef* f = MutableField(coordinate, &error);
  if (!f) return std::unexpected(error);
  f->resolver = std::move(resolver);
  return {};
}

Status Schema::SetBatchResolver(std::string_view coordinate, BatchResolver resolver) {
  Error error;
  FieldDef* f = MutableField(coordinate, &error);
  if (!f) return std::unexpected(error);
  f->batch_resolver = std::move(resolver);
  return {};
}

Status Schema::SetTypeResolver(std::string_view type, TypeResolver resolver) {
  NamedType* t = MutableType(type);
  if (t == nullptr || !t->IsAbstract()) {
    return Fail(ErrorCode::kInvalidArgument,
                "\"" + std::string(type) + "\" is not an interface or union of the schema.");
  }
  t->type_resolver = std::move(resolver);
  return {};
}

Status Schema::SetScalarCoercion(std::string_view type, ScalarCoercion coercion) {
  NamedType* t = MutableType(type);
  if (t == nullptr || t->kind != TypeKind::kScalar || t->builtin) {
    return Fail(ErrorCode::kInvalidArgument,
                "\"" + std::string(type) + "\" is not a custom scalar of the schema.");
  }
  t->scalar = std::move(coercion);
  return {};
}

}  // namespace retrain::graphql
