// Validation rules about argument and input values, and where variables may be used.
#include <map>
#include <set>

#include "graphql/coercion.h"
#include "graphql/parser.h"
#include "graphql/suggest.h"
#include "graphql/validation_context.h"

namespace retrain::graphql::validation {
namespace {

std::string Q(std::string_view s) { return "\"" + std::string(s) + "\""; }

class ValuesOfCorrectType : public Rule {
 public:
  explicit ValuesOfCorrectType(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    TypeInfo& ti = c_.type_info();
    if (n.kind == NodeKind::kObjectField) {
      const NamedType* parent = ti.GetParentInputType().named();
      const auto& f = n.As<ast::ObjectField>();
      if (!ti.GetInputType().valid() && parent && parent->kind == TypeKind::kInputObject) {
        std::vector<std::string> names;
        for (const auto& d : parent->input_fields) names.push_back(d.name);
        c_.Report("Field " + Q(f.name.value) + " is not defined by type " + Q(parent->name) + "." +
                      DidYouMean(SuggestionList(f.name.value, names)),
                  {f.loc});
      }
      return true;
    }
    if (n.kind != NodeKind::kValue) return true;
    const auto& v = n.As<ast::ValueNode>();
    switch (v.kind) {
      case ast::ValueKind::kList:
        if (!ti.GetParentInputType().Nullable().IsList()) {
          CheckLeaf(v);
          return false;
        }
        return true;
      case ast::ValueKind::kObject: {
        const NamedType* type = ti.GetInputType().named();
        if (!type || type->kind != TypeKind::kInputObject) {
          CheckLeaf(v);
          return false;
        }
        for (const auto& def : type->input_fields) {
          bool given = false;
          for (const auto& f : v.fields) given = given || f.name.value == def.name;
          if (!given && def.type.IsNonNull() && !def.default_value) {
            c_.Report("Field " + Q(type->name + "." + def.name) + " of required type " +
                          Q(def.type.ToString()) + " was not provided.",
                      {v.loc});
          }
        }
        return true;
      }
      case ast::ValueKind::kNull:
        if (ti.GetInputType().IsNonNull()) {
          c_.Report("Expected value of type " + Q(ti.GetInputType().ToString()) + ", found null.",
                    {v.loc});
        }
        return true;
      case ast::ValueKind::kVariable:
        return true;
      default:
        CheckLeaf(v);
        return true;
    }
  }

 private:
  void CheckLeaf(const ast::ValueNode& v) {
    TypeRef location = c_.type_info().GetInputType();
    if (!location.valid()) return;
    const NamedType& type = *location.named();
    std::string expected =
        "Expected value of type " + Q(location.ToString()) + ", found " + PrintValue(v);
    if (!type.IsLeaf()) {
      c_.Report(expected + ".", {v.loc});
      return;
    }
    auto parsed = ParseLeafLiteral(type, v);
    if (parsed) return;
    if (type.builtin || type.kind == TypeKind::kEnum) {
      c_.Report(parsed.error(), {v.loc});
    } else {
      c_.Report(expected + "; " + parsed.error(), {v.loc});
    }
  }

  Context& c_;
};

class ProvidedRequiredArguments : public Rule {
 public:
  explicit ProvidedRequiredArguments(Context& c) : c_(c) {
    for (const auto& d : c.schema().directives()) {
      auto& req = required_[d.name];
      for (const auto& a : d.args) {
        if (a.type.IsNonNull() && !a.default_value) req.emplace_back(a.name, a.type.ToString());
      }
    }
    for (const auto& def : c.document().definitions) {
      const auto* d = std::get_if<ast::DirectiveDefinition>(&def);
      if (!d) continue;
      auto& req = required_[d->name.value];
      req.clear();
      for (const auto& a : d->arguments) {
        if (a.type.kind == ast::TypeNode::Kind::kNonNull && !a.default_value) {
          req.emplace_back(a.name.value, PrintType(a.type));
        }
      }
    }
  }
  void Leave(const NodeRef& n) override {
    if (n.kind == NodeKind::kDirective) {
      const auto& d = n.As<ast::Directive>();
      auto it = required_.find(d.name.value);
      if (it == required_.end()) return;
      for (const auto& [name, type] : it->second) {
        bool given = false;
        for (const auto& a : d.arguments) given = given || a.name.value == name;
        if (!given) {
          c_.Report("Directive \"@" + d.name.value + "\" argument " + Q(name) + " of type " +
                        Q(type) + " is required, but it was not provided.",
                    {d.loc});
        }
      }
      return;
    }
    if (n.kind != NodeKind::kField) return;
    const FieldDef* field = c_.type_info().GetFieldDef();
    if (!field) return;
    const auto& f = n.As<ast::Selection>();
    for (const auto& def : field->args) {
      if (!def.type.IsNonNull() || def.default_value) continue;
      bool given = false;
      for (const auto& a : f.arguments) given = given || a.name.value == def.name;
      if (!given) {
        c_.Report("Field " + Q(field->name) + " argument " + Q(def.name) + " of type " +
                      Q(def.type.ToString()) + " is required, but it was not provided.",
                  {f.loc});
      }
    }
  }

 private:
  Context& c_;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> required_;
};

bool IsTypeSubTypeOf(const Schema& s, const TypeRef& sub, const TypeRef& super) {
  if (sub == super) return true;
  if (super.IsNonNull()) return sub.IsNonNull() && IsTypeSubTypeOf(s, sub.OfType(), super.OfType());
  if (sub.IsNonNull()) return IsTypeSubTypeOf(s, sub.OfType(), super);
  if (super.IsList()) return sub.IsList() && IsTypeSubTypeOf(s, sub.OfType(), super.OfType());
  if (sub.IsList()) return false;
  const NamedType* sup = super.named();
  const NamedType* sb = sub.named();
  return sup->IsAbstract() && (sb->kind == TypeKind::kInterface || sb->kind == TypeKind::kObject) &&
         s.IsSubType(sup, sb);
}

class VariablesInAllowedPosition : public Rule {
 public:
  explicit VariablesInAllowedPosition(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kOperation) defs_.clear();
    if (n.kind == NodeKind::kVariableDefinition) {
      const auto& v = n.As<ast::VariableDefinition>();
      defs_[v.name.value] = &v;
    }
    return true;
  }
  void Leave(const NodeRef& n) override {
    if (n.kind != NodeKind::kOperation) return;
    for (const auto& usage : c_.GetRecursiveVariableUsages(n.As<ast::OperationDefinition>())) {
      auto it = defs_.find(usage.node->text);
      if (it == defs_.end() || !usage.type.valid()) continue;
      const ast::VariableDefinition& def = *it->second;
      TypeRef var_type = TypeFromAst(c_.schema(), def.type);
      if (!var_type.valid() || Allowed(var_type, def, usage.type, usage.has_default)) continue;
      c_.Report("Variable \"$" + def.name.value + "\" of type " + Q(var_type.ToString()) +
                    " used in position expecting type " + Q(usage.type.ToString()) + ".",
                {def.loc, usage.node->loc});
    }
  }

 private:
  bool Allowed(const TypeRef& var_type, const ast::VariableDefinition& def, const TypeRef& location,
               bool location_default) {
    if (location.IsNonNull() && !var_type.IsNonNull()) {
      bool non_null_default = def.default_value && def.default_value->kind != ast::ValueKind::kNull;
      if (!non_null_default && !location_default) return false;
      return IsTypeSubTypeOf(c_.schema(), var_type, location.OfType());
    }
    return IsTypeSubTypeOf(c_.schema(), var_type, location);
  }

  Context& c_;
  std::map<std::string, const ast::VariableDefinition*> defs_;
};

class UniqueInputFieldNames : public Rule {
 public:
  explicit UniqueInputFieldNames(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kValue && n.As<ast::ValueNode>().kind == ast::ValueKind::kObject) {
      stack_.emplace_back();
    } else if (n.kind == NodeKind::kObjectField && !stack_.empty()) {
      const auto& f = n.As<ast::ObjectField>();
      auto [it, inserted] = stack_.back().emplace(f.name.value, f.name.loc);
      if (!inserted) {
        c_.Report("There can be only one input field named " + Q(f.name.value) + ".",
                  {it->second, f.name.loc});
      }
    }
    return true;
  }
  void Leave(const NodeRef& n) override {
    if (n.kind == NodeKind::kValue && n.As<ast::ValueNode>().kind == ast::ValueKind::kObject) {
      stack_.pop_back();
    }
  }

 private:
  Context& c_;
  std::vector<std::map<std::string, uint32_t>> stack_;
};

}  // namespace

std::unique_ptr<Rule> MakeValuesOfCorrectType(Context& ctx) {
  return std::make_unique<ValuesOfCorrectType>(ctx);
}
std::unique_ptr<Rule> MakeProvidedRequiredArguments(Context& ctx) {
  return std::make_unique<ProvidedRequiredArguments>(ctx);
}
std::unique_ptr<Rule> MakeVariablesInAllowedPosition(Context& ctx) {
  return std::make_unique<VariablesInAllowedPosition>(ctx);
}
std::unique_ptr<Rule> MakeUniqueInputFieldNames(Context& ctx) {
  return std::make_unique<UniqueInputFieldNames>(ctx);
}

}  // namespace retrain::graphql::validation
