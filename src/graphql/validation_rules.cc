// Validation rules about definitions, names, fragments, variables and directives.
#include <algorithm>
#include <map>
#include <set>

#include "graphql/suggest.h"
#include "graphql/validation_context.h"

namespace retrain::graphql::validation {
namespace {

using ast::Selection;

std::string Q(std::string_view s) { return "\"" + std::string(s) + "\""; }

class ExecutableDefinitions : public Rule {
 public:
  explicit ExecutableDefinitions(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind != NodeKind::kDocument) return true;
    for (const auto& def : n.As<ast::Document>().definitions) {
      if (const auto* t = std::get_if<ast::TypeDefinition>(&def)) {
        c_.Report("The " + Q(t->name.value) + " definition is not executable.", {t->loc});
      } else if (const auto* s = std::get_if<ast::SchemaDefinition>(&def)) {
        c_.Report("The schema definition is not executable.", {s->loc});
      } else if (const auto* d = std::get_if<ast::DirectiveDefinition>(&def)) {
        c_.Report("The " + Q(d->name.value) + " definition is not executable.", {d->loc});
      }
    }
    return false;
  }

 private:
  Context& c_;
};

class UniqueOperationNames : public Rule {
 public:
  explicit UniqueOperationNames(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kOperation) {
      const auto& op = n.As<ast::OperationDefinition>();
      if (op.name) {
        auto [it, inserted] = known_.emplace(op.name->value, op.name->loc);
        if (!inserted) {
          c_.Report("There can be only one operation named " + Q(op.name->value) + ".",
                    {it->second, op.name->loc});
        }
      }
      return false;
    }
    return n.kind != NodeKind::kFragmentDefinition;
  }

 private:
  Context& c_;
  std::map<std::string, uint32_t> known_;
};

class LoneAnonymousOperation : public Rule {
 public:
  explicit LoneAnonymousOperation(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kDocument) {
      for (const auto& def : n.As<ast::Document>().definitions) {
        count_ += std::holds_alternative<ast::OperationDefinition>(def) ? 1 : 0;
      }
    } else if (n.kind == NodeKind::kOperation) {
      const auto& op = n.As<ast::OperationDefinition>();
      if (!op.name && count_ > 1) {
        c_.Report("This anonymous operation must be the only defined operation.", {op.loc});
      }
    }
    return true;
  }

 private:
  Context& c_;
  int count_ = 0;
};

class KnownTypeNames : public Rule {
 public:
  explicit KnownTypeNames(Context& c) : c_(c) {
    for (const NamedType* t : c.schema().types()) names_.push_back(t->name);
    for (const auto& def : c.document().definitions) {
      if (const auto* t = std::get_if<ast::TypeDefinition>(&def)) {
        if (!t->extension) {
          defined_.insert(t->name.value);
          names_.push_back(t->name.value);
        }
      }
    }
  }
  bool Enter(const NodeRef& n) override {
    if (n.kind != NodeKind::kNamedType) return true;
    const auto& name = n.As<ast::Name>();
    if (c_.schema().FindType(name.value) || defined_.count(name.value)) return true;
    static const std::vector<std::string> kStandard = {
        "String",    "Int",      "Float",        "Boolean",
        "ID",        "__Schema", "__Directive",  "__DirectiveLocation",
        "__Type",    "__Field",  "__InputValue", "__EnumValue",
        "__TypeKind"};
    bool standard = std::find(kStandard.begin(), kStandard.end(), name.value) != kStandard.end();
    if (c_.in_sdl && standard) return true;
    std::vector<std::string> options = names_;
    if (c_.in_sdl) options.insert(options.begin(), kStandard.begin(), kStandard.end());
    c_.Report(
        "Unknown type " + Q(name.value) + "." + DidYouMean(SuggestionList(name.value, options)),
        {name.loc});
    return true;
  }

 private:
  Context& c_;
  std::set<std::string> defined_;
  std::vector<std::string> names_;
};

class FragmentsOnCompositeTypes : public Rule {
 public:
  explicit FragmentsOnCompositeTypes(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kInlineFragment) {
      const auto& s = n.As<Selection>();
      if (s.type_condition) {
        const NamedType* t = c_.schema().FindType(s.type_condition->value);
        if (t && !t->IsComposite()) {
          c_.Report("Fragment cannot condition on non composite type " + Q(t->name) + ".",
                    {s.type_condition->loc});
        }
      }
    } else if (n.kind == NodeKind::kFragmentDefinition) {
      const auto& f = n.As<ast::FragmentDefinition>();
      const NamedType* t = c_.schema().FindType(f.type_condition.value);
      if (t && !t->IsComposite()) {
        c_.Report("Fragment " + Q(f.name.value) + " cannot condition on non composite type " +
                      Q(t->name) + ".",
                  {f.type_condition.loc});
      }
    }
    return true;
  }

 private:
  Context& c_;
};

class VariablesAreInputTypes : public Rule {
 public:
  explicit VariablesAreInputTypes(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind != NodeKind::kVariableDefinition) return true;
    const auto& v = n.As<ast::VariableDefinition>();
    TypeRef t = TypeFromAst(c_.schema(), v.type);
    if (t.valid() && !t.named()->IsInputType()) {
      c_.Report(
          "Variable \"$" + v.name.value + "\" cannot be non-input type " + Q(t.ToString()) + ".",
          {v.type.loc});
    }
    return true;
  }

 private:
  Context& c_;
};

class ScalarLeafs : public Rule {
 public:
  explicit ScalarLeafs(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind != NodeKind::kField) return true;
    const auto& f = n.As<Selection>();
    TypeRef t = c_.type_info().GetType();
    if (!t.valid()) return true;
    if (t.named()->IsLeaf()) {
      if (f.selection_set) {
        c_.Report("Field " + Q(f.name.value) + " must not have a selection since type " +
                      Q(t.ToString()) + " has no subfields.",
                  {f.selection_set->loc});
      }
    } else if (!f.selection_set) {
      c_.Report("Field " + Q(f.name.value) + " of type " + Q(t.ToString()) +
                    " must have a selection of subfields. Did you mean " +
                    Q(f.name.value + " { ... }") + "?",
                {f.loc});
    }
    return true;
  }

 private:
  Context& c_;
};

class FieldsOnCorrectType : public Rule {
 public:
  explicit FieldsOnCorrectType(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind != NodeKind::kField) return true;
    const NamedType* parent = c_.type_info().GetParentType();
    if (!parent || c_.type_info().GetFieldDef()) return true;
    const auto& f = n.As<Selection>();
    std::string suggestion =
        DidYouMean(SuggestedTypes(parent, f.name.value), "to use an inline fragment on");
    if (suggestion.empty() && parent->kind != TypeKind::kUnion) {
      std::vector<std::string> names;
      for (const auto& fd : parent->fields) names.push_back(fd.name);
      suggestion = DidYouMean(SuggestionList(f.name.value, names));
    }
    c_.Report(
        "Cannot query field " + Q(f.name.value) + " on type " + Q(parent->name) + "." + suggestion,
        {f.loc});
    return true;
  }

 private:
  std::vector<std::string> SuggestedTypes(const NamedType* type, const std::string& field) {
    if (!type->IsAbstract()) return {};
    std::vector<const NamedType*> found;
    std::map<const NamedType*, int> usage;
    for (const NamedType* possible : type->possible_types) {
      if (!possible->FindField(field)) continue;
      if (std::find(found.begin(), found.end(), possible) == found.end()) found.push_back(possible);
      usage[possible] = 1;
      for (const NamedType* iface : possible->interfaces) {
        if (!iface->FindField(field)) continue;
        if (std::find(found.begin(), found.end(), iface) == found.end()) found.push_back(iface);
        usage[iface] += 1;
      }
    }
    const Schema& s = c_.schema();
    std::stable_sort(found.begin(), found.end(), [&](const NamedType* a, const NamedType* b) {
      if (usage[a] != usage[b]) return usage[a] > usage[b];
      if (a->kind == TypeKind::kInterface && s.IsSubType(a, b)) return true;
      if (b->kind == TypeKind::kInterface && s.IsSubType(b, a)) return false;
      return NaturalCompare(a->name, b->name) < 0;
    });
    std::vector<std::string> out;
    for (const NamedType* t : found) out.push_back(t->name);
    return out;
  }

  Context& c_;
};

class UniqueFragmentNames : public Rule {
 public:
  explicit UniqueFragmentNames(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kOperation) return false;
    if (n.kind != NodeKind::kFragmentDefinition) return true;
    const auto& f = n.As<ast::FragmentDefinition>();
    auto [it, inserted] = known_.emplace(f.name.value, f.name.loc);
    if (!inserted) {
      c_.Report("There can be only one fragment named " + Q(f.name.value) + ".",
                {it->second, f.name.loc});
    }
    return false;
  }

 private:
  Context& c_;
  std::map<std::string, uint32_t> known_;
};

class KnownFragmentNames : public Rule {
 public:
  explicit KnownFragmentNames(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind != NodeKind::kFragmentSpread) return true;
    const auto& s = n.As<Selection>();
    if (!c_.GetFragment(s.name.value)) {
      c_.Report("Unknown fragment " + Q(s.name.value) + ".", {s.name.loc});
    }
    return true;
  }

 private:
  Context& c_;
};

class NoUnusedFragments : public Rule {
 public:
  explicit NoUnusedFragments(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kOperation) {
      ops_.push_back(&n.As<ast::OperationDefinition>());
      return false;
    }
    if (n.kind == NodeKind::kFragmentDefinition) {
      frags_.push_back(&n.As<ast::FragmentDefinition>());
      return false;
    }
    return true;
  }
  void Leave(const NodeRef& n) override {
    if (n.kind != NodeKind::kDocument) return;
    std::set<std::string> used;
    for (const auto* op : ops_) {
      for (const auto* f : c_.GetRecursivelyReferencedFragments(*op)) used.insert(f->name.value);
    }
    for (const auto* f : frags_) {
      if (!used.count(f->name.value)) {
        c_.Report("Fragment " + Q(f->name.value) + " is never used.", {f->loc});
      }
    }
  }

 private:
  Context& c_;
  std::vector<const ast::OperationDefinition*> ops_;
  std::vector<const ast::FragmentDefinition*> frags_;
};

class PossibleFragmentSpreads : public Rule {
 public:
  explicit PossibleFragmentSpreads(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kInlineFragment) {
      const NamedType* frag = c_.type_info().GetType().named();
      const NamedType* parent = c_.type_info().GetParentType();
      if (frag && frag->IsComposite() && parent && parent->IsComposite() &&
          !c_.schema().TypesOverlap(frag, parent)) {
        c_.Report("Fragment cannot be spread here as objects of type " + Q(parent->name) +
                      " can never be of type " + Q(frag->name) + ".",
                  {n.As<Selection>().loc});
      }
    } else if (n.kind == NodeKind::kFragmentSpread) {
      const auto& s = n.As<Selection>();
      const NamedType* frag = nullptr;
      if (const auto* def = c_.GetFragment(s.name.value)) {
        frag = c_.schema().FindType(def->type_condition.value);
        if (frag && !frag->IsComposite()) frag = nullptr;
      }
      const NamedType* parent = c_.type_info().GetParentType();
      if (frag && parent && !c_.schema().TypesOverlap(frag, parent)) {
        c_.Report("Fragment " + Q(s.name.value) + " cannot be spread here as objects of type " +
                      Q(parent->name) + " can never be of type " + Q(frag->name) + ".",
                  {s.loc});
      }
    }
    return true;
  }

 private:
  Context& c_;
};

class NoFragmentCycles : public Rule {
 public:
  explicit NoFragmentCycles(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kOperation) return false;
    if (n.kind == NodeKind::kFragmentDefinition) {
      Detect(n.As<ast::FragmentDefinition>());
      return false;
    }
    return true;
  }

 private:
  void Detect(const ast::FragmentDefinition& f) {
    if (!visited_.insert(f.name.value).second) return;
    auto spreads = c_.GetFragmentSpreads(f.selection_set);
    if (spreads.empty()) return;
    index_[f.name.value] = static_cast<int>(path_.size());
    for (const Selection* spread : spreads) {
      const std::string& name = spread->name.value;
      auto cycle = index_.find(name);
      path_.push_back(spread);
      if (cycle == index_.end()) {
        if (const auto* next = c_.GetFragment(name)) Detect(*next);
      } else {
        std::vector<uint32_t> locs;
        std::string via;
        for (size_t i = cycle->second; i < path_.size(); ++i) {
          locs.push_back(path_[i]->loc);
          if (i + 1 < path_.size()) via += (via.empty() ? "" : ", ") + Q(path_[i]->name.value);
        }
        c_.Report("Cannot spread fragment " + Q(name) + " within itself" +
                      (via.empty() ? "." : " via " + via + "."),
                  locs);
      }
      path_.pop_back();
    }
    index_.erase(f.name.value);
  }

  Context& c_;
  std::set<std::string> visited_;
  std::vector<const Selection*> path_;
  std::map<std::string, int> index_;
};

class UniqueVariableNames : public Rule {
 public:
  explicit UniqueVariableNames(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind != NodeKind::kOperation) return true;
    std::vector<std::pair<std::string, std::vector<uint32_t>>> groups;
    for (const auto& v : n.As<ast::OperationDefinition>().variables) {
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](auto& g) { return g.first == v.name.value; });
      if (it == groups.end()) {
        groups.push_back({v.name.value, {v.name.loc}});
      } else {
        it->second.push_back(v.name.loc);
      }
    }
    for (auto& [name, locs] : groups) {
      if (locs.size() > 1)
        c_.Report("There can be only one variable named \"$" + name + "\".", locs);
    }
    return true;
  }

 private:
  Context& c_;
};

class NoUndefinedVariables : public Rule {
 public:
  explicit NoUndefinedVariables(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kOperation) defined_.clear();
    if (n.kind == NodeKind::kVariableDefinition)
      defined_.insert(n.As<ast::VariableDefinition>().name.value);
    return true;
  }
  void Leave(const NodeRef& n) override {
    if (n.kind != NodeKind::kOperation) return;
    const auto& op = n.As<ast::OperationDefinition>();
    for (const auto& usage : c_.GetRecursiveVariableUsages(op)) {
      const std::string& name = usage.node->text;
      if (defined_.count(name)) continue;
      c_.Report(op.name ? "Variable \"$" + name + "\" is not defined by operation " +
                              Q(op.name->value) + "."
                        : "Variable \"$" + name + "\" is not defined.",
                {usage.node->loc, op.loc});
    }
  }

 private:
  Context& c_;
  std::set<std::string> defined_;
};

class NoUnusedVariables : public Rule {
 public:
  explicit NoUnusedVariables(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kOperation) defs_.clear();
    if (n.kind == NodeKind::kVariableDefinition) defs_.push_back(&n.As<ast::VariableDefinition>());
    return true;
  }
  void Leave(const NodeRef& n) override {
    if (n.kind != NodeKind::kOperation) return;
    const auto& op = n.As<ast::OperationDefinition>();
    std::set<std::string> used;
    for (const auto& usage : c_.GetRecursiveVariableUsages(op)) used.insert(usage.node->text);
    for (const auto* d : defs_) {
      if (used.count(d->name.value)) continue;
      c_.Report(op.name ? "Variable \"$" + d->name.value + "\" is never used in operation " +
                              Q(op.name->value) + "."
                        : "Variable \"$" + d->name.value + "\" is never used.",
                {d->loc});
    }
  }

 private:
  Context& c_;
  std::vector<const ast::VariableDefinition*> defs_;
};

}  // namespace

std::vector<std::unique_ptr<Rule>> MakeSpecifiedRules(Context& ctx) {
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::make_unique<ExecutableDefinitions>(ctx));
  rules.push_back(std::make_unique<UniqueOperationNames>(ctx));
  rules.push_back(std::make_unique<LoneAnonymousOperation>(ctx));
  rules.push_back(std::make_unique<KnownTypeNames>(ctx));
  rules.push_back(std::make_unique<FragmentsOnCompositeTypes>(ctx));
  rules.push_back(std::make_unique<VariablesAreInputTypes>(ctx));
  rules.push_back(std::make_unique<ScalarLeafs>(ctx));
  rules.push_back(std::make_unique<FieldsOnCorrectType>(ctx));
  rules.push_back(std::make_unique<UniqueFragmentNames>(ctx));
  rules.push_back(std::make_unique<KnownFragmentNames>(ctx));
  rules.push_back(std::make_unique<NoUnusedFragments>(ctx));
  rules.push_back(std::make_unique<PossibleFragmentSpreads>(ctx));
  rules.push_back(std::make_unique<NoFragmentCycles>(ctx));
  rules.push_back(std::make_unique<UniqueVariableNames>(ctx));
  rules.push_back(std::make_unique<NoUndefinedVariables>(ctx));
  rules.push_back(std::make_unique<NoUnusedVariables>(ctx));
  rules.push_back(MakeKnownDirectives(ctx));
  rules.push_back(MakeUniqueDirectivesPerLocation(ctx));
  rules.push_back(MakeKnownArgumentNames(ctx));
  rules.push_back(MakeUniqueArgumentNames(ctx));
  rules.push_back(MakeValuesOfCorrectType(ctx));
  rules.push_back(MakeProvidedRequiredArguments(ctx));
  rules.push_back(MakeVariablesInAllowedPosition(ctx));
  rules.push_back(MakeOverlappingFieldsCanBeMerged(ctx));
  rules.push_back(MakeUniqueInputFieldNames(ctx));
  return rules;
}

}  // namespace retrain::graphql::validation
