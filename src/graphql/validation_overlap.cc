// "Overlapping fields can be merged" (spec 5.3.2): fields with one response name must be the
// same field with the same arguments (unless their parents can never be the same object) and
// must return shapes that can merge.
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "graphql/parser.h"
#include "graphql/suggest.h"
#include "graphql/validation_context.h"

namespace retrain::graphql::validation {
namespace {

using ast::Selection;

struct FieldEntry {
  const NamedType* parent;
  const Selection* node;
  const FieldDef* def;
};
using FieldMap = std::vector<std::pair<std::string, std::vector<FieldEntry>>>;
struct Collected {
  FieldMap fields;
  std::vector<std::string> fragment_names;
};

struct SubReason;

// Why two fields conflict: a message, or the conflicts of their subfields.
struct Reason {
  std::string message;
  std::vector<SubReason> subs;  // a vector of an incomplete type, complete before use
};

struct SubReason {
  std::string field;
  Reason reason;
};

struct Conflict {
  std::string name;
  Reason reason;
  std::vector<const Selection*> fields1;
  std::vector<const Selection*> fields2;
};

std::string ReasonMessage(const Reason& r) {
  if (r.subs.empty()) return r.message;
  std::string out;
  for (size_t i = 0; i < r.subs.size(); ++i) {
    if (i) out += " and ";
    out +=
        "subfields \"" + r.subs[i].field + "\" conflict because " + ReasonMessage(r.subs[i].reason);
  }
  return out;
}

std::string PrintSorted(const ast::ValueNode& v) {
  if (v.kind == ast::ValueKind::kList) {
    std::string out = "[";
    for (size_t i = 0; i < v.list.size(); ++i) out += (i ? ", " : "") + PrintSorted(v.list[i]);
    return out + "]";
  }
  if (v.kind == ast::ValueKind::kObject) {
    std::vector<const ast::ObjectField*> fields;
    for (const auto& f : v.fields) fields.push_back(&f);
    std::stable_sort(fields.begin(), fields.end(), [](auto* a, auto* b) {
      return NaturalCompare(a->name.value, b->name.value) < 0;
    });
    std::string out = "{";
    for (size_t i = 0; i < fields.size(); ++i) {
      out += (i ? ", " : "") + fields[i]->name.value + ": " + PrintSorted(fields[i]->value);
    }
    return out + "}";
  }
  return PrintValue(v);
}

bool SameArguments(const Selection& a, const Selection& b) {
  if (a.arguments.size() != b.arguments.size()) return false;
  for (const auto& arg1 : a.arguments) {
    const ast::Argument* arg2 = nullptr;
    for (const auto& x : b.arguments) {
      if (x.name.value == arg1.name.value) arg2 = &x;
    }
    if (!arg2 || PrintSorted(arg1.value) != PrintSorted(arg2->value)) return false;
  }
  return true;
}

bool TypesConflict(const TypeRef& a, const TypeRef& b) {
  if (a.IsList()) return b.IsList() ? TypesConflict(a.OfType(), b.OfType()) : true;
  if (b.IsList()) return true;
  if (a.IsNonNull()) return b.IsNonNull() ? TypesConflict(a.OfType(), b.OfType()) : true;
  if (b.IsNonNull()) return true;
  if (a.named()->IsLeaf() || b.named()->IsLeaf()) return a.named() != b.named();
  return false;
}

class PairSet {
 public:
  bool Has(const std::string& a, const std::string& b, bool exclusive) const {
    auto it = data_.find(Key(a, b));
    if (it == data_.end()) return false;
    return exclusive ? true : it->second == exclusive;
  }
  void Add(const std::string& a, const std::string& b, bool exclusive) {
    data_[Key(a, b)] = exclusive;
  }

 private:
  static std::pair<std::string, std::string> Key(const std::string& a, const std::string& b) {
    return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
  }
  std::map<std::pair<std::string, std::string>, bool> data_;
};

class OverlappingFieldsCanBeMerged : public Rule {
 public:
  explicit OverlappingFieldsCanBeMerged(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind != NodeKind::kSelectionSet) return true;
    // Comparing fields follows fragment spreads; through a cycle of fragments that would never
    // end. A document with one is already invalid ("Cannot spread fragment ... within itself"),
    // so this rule says nothing about it.
    if (!cycle_checked_) {
      has_cycle_ = HasFragmentCycle();
      cycle_checked_ = true;
    }
    if (has_cycle_) return true;
    std::vector<Conflict> conflicts;
    FindWithin(conflicts, c_.type_info().GetParentType(), n.As<ast::SelectionSet>());
    for (const auto& conflict : conflicts) {
      std::vector<uint32_t> locs;
      for (const auto* f : conflict.fields1) locs.push_back(f->loc);
      for (const auto* f : conflict.fields2) locs.push_back(f->loc);
      c_.Report("Fields \"" + conflict.name + "\" conflict because " +
                    ReasonMessage(conflict.reason) +
                    ". Use different aliases on the fields to fetch both if this was intentional.",
                locs);
    }
    return true;
  }

 private:
  bool HasFragmentCycle() const {
    std::map<std::string, int> state;  // 1: on the current path, 2: done
    std::function<bool(const std::string&)> visit = [&](const std::string& name) {
      auto [it, fresh] = state.try_emplace(name, 1);
      if (!fresh) return it->second == 1;
      if (const auto* f = c_.GetFragment(name)) {
        for (const Selection* spread : c_.GetFragmentSpreads(f->selection_set)) {
          if (visit(spread->name.value)) return true;
        }
      }
      state[name] = 2;
      return false;
    };
    for (const auto& def : c_.document().definitions) {
      const auto* f = std::get_if<ast::FragmentDefinition>(&def);
      if (f && visit(f->name.value)) return true;
    }
    return false;
  }

  const Collected& Get(const NamedType* parent, const ast::SelectionSet& set) {
    auto it = cache_.find(&set);
    if (it != cache_.end()) return it->second;
    Collected out;
    std::set<std::string> seen_fragments;
    CollectInto(parent, set, out, seen_fragments);
    return cache_.emplace(&set, std::move(out)).first->second;
  }

  void CollectInto(const NamedType* parent, const ast::SelectionSet& set, Collected& out,
                   std::set<std::string>& fragments) {
    for (const auto& s : set.selections) {
      switch (s.kind) {
        case Selection::Kind::kField: {
          const FieldDef* def = nullptr;
          if (parent &&
              (parent->kind == TypeKind::kObject || parent->kind == TypeKind::kInterface)) {
            def = parent->FindField(s.name.value);
          }
          const std::string& key = s.ResponseKey();
          auto it = std::find_if(out.fields.begin(), out.fields.end(),
                                 [&](auto& e) { return e.first == key; });
          if (it == out.fields.end()) {
            out.fields.push_back({key, {}});
            it = out.fields.end() - 1;
          }
          it->second.push_back({parent, &s, def});
          break;
        }
        case Selection::Kind::kFragmentSpread:
          if (fragments.insert(s.name.value).second) out.fragment_names.push_back(s.name.value);
          break;
        case Selection::Kind::kInlineFragment: {
          const NamedType* t =
              s.type_condition ? c_.schema().FindType(s.type_condition->value) : parent;
          CollectInto(t, *s.selection_set, out, fragments);
          break;
        }
      }
    }
  }

  const Collected* GetFragment(const std::string& name) {
    const ast::FragmentDefinition* f = c_.GetFragment(name);
    if (!f) return nullptr;
    return &Get(c_.schema().FindType(f->type_condition.value), f->selection_set);
  }

  void FindWithin(std::vector<Conflict>& conflicts, const NamedType* parent,
                  const ast::SelectionSet& set) {
    const Collected& collected = Get(parent, set);
    for (const auto& [name, fields] : collected.fields) {
      for (size_t i = 0; i < fields.size(); ++i) {
        for (size_t j = i + 1; j < fields.size(); ++j) {
          if (auto c = FindConflict(false, name, fields[i], fields[j]))
            conflicts.push_back(std::move(*c));
        }
      }
    }
    const auto& names = collected.fragment_names;
    for (size_t i = 0; i < names.size(); ++i) {
      BetweenFieldsAndFragment(conflicts, false, collected.fields, names[i]);
      for (size_t j = i + 1; j < names.size(); ++j)
        BetweenFragments(conflicts, false, names[i], names[j]);
    }
  }

  void BetweenFieldsAndFragment(std::vector<Conflict>& conflicts, bool exclusive,
                                const FieldMap& fields, const std::string& fragment) {
    const Collected* other = GetFragment(fragment);
    if (!other || &other->fields == &fields) return;
    Between(conflicts, exclusive, fields, other->fields);
    for (const auto& referenced : other->fragment_names) {
      if (pairs_.Has(referenced, fragment, exclusive)) continue;
      pairs_.Add(referenced, fragment, exclusive);
      BetweenFieldsAndFragment(conflicts, exclusive, fields, referenced);
    }
  }

  void BetweenFragments(std::vector<Conflict>& conflicts, bool exclusive, const std::string& a,
                        const std::string& b) {
    if (a == b || pairs_.Has(a, b, exclusive)) return;
    pairs_.Add(a, b, exclusive);
    const Collected* fa = GetFragment(a);
    const Collected* fb = GetFragment(b);
    if (!fa || !fb) return;
    Between(conflicts, exclusive, fa->fields, fb->fields);
    for (const auto& ref : fb->fragment_names) BetweenFragments(conflicts, exclusive, a, ref);
    for (const auto& ref : fa->fragment_names) BetweenFragments(conflicts, exclusive, ref, b);
  }

  void Between(std::vector<Conflict>& conflicts, bool exclusive, const FieldMap& a,
               const FieldMap& b) {
    for (const auto& [name, fields1] : a) {
      auto it = std::find_if(b.begin(), b.end(), [&](auto& e) { return e.first == name; });
      if (it == b.end()) continue;
      for (const auto& f1 : fields1) {
        for (const auto& f2 : it->second) {
          if (auto c = FindConflict(exclusive, name, f1, f2)) conflicts.push_back(std::move(*c));
        }
      }
    }
  }

  std::vector<Conflict> BetweenSubSelections(bool exclusive, const NamedType* p1,
                                             const ast::SelectionSet& s1, const NamedType* p2,
                                             const ast::SelectionSet& s2) {
    std::vector<Conflict> conflicts;
    const Collected& c1 = Get(p1, s1);
    const Collected& c2 = Get(p2, s2);
    Between(conflicts, exclusive, c1.fields, c2.fields);
    for (const auto& f2 : c2.fragment_names)
      BetweenFieldsAndFragment(conflicts, exclusive, c1.fields, f2);
    for (const auto& f1 : c1.fragment_names)
      BetweenFieldsAndFragment(conflicts, exclusive, c2.fields, f1);
    for (const auto& f1 : c1.fragment_names) {
      for (const auto& f2 : c2.fragment_names) BetweenFragments(conflicts, exclusive, f1, f2);
    }
    return conflicts;
  }

  std::optional<Conflict> FindConflict(bool parents_exclusive, const std::string& name,
                                       const FieldEntry& f1, const FieldEntry& f2) {
    bool exclusive = parents_exclusive ||
                     (f1.parent != f2.parent && f1.parent && f2.parent &&
                      f1.parent->kind == TypeKind::kObject && f2.parent->kind == TypeKind::kObject);
    if (!exclusive) {
      if (f1.node->name.value != f2.node->name.value) {
        return Conflict{name,
                        {"\"" + f1.node->name.value + "\" and \"" + f2.node->name.value +
                             "\" are different fields",
                         {}},
                        {f1.node},
                        {f2.node}};
      }
      if (!SameArguments(*f1.node, *f2.node)) {
        return Conflict{name, {"they have differing arguments", {}}, {f1.node}, {f2.node}};
      }
    }
    if (f1.def && f2.def && TypesConflict(f1.def->type, f2.def->type)) {
      return Conflict{name,
                      {"they return conflicting types \"" + f1.def->type.ToString() + "\" and \"" +
                           f2.def->type.ToString() + "\"",
                       {}},
                      {f1.node},
                      {f2.node}};
    }
    if (f1.node->selection_set && f2.node->selection_set) {
      auto subs = BetweenSubSelections(
          exclusive, f1.def ? f1.def->type.named() : nullptr, *f1.node->selection_set,
          f2.def ? f2.def->type.named() : nullptr, *f2.node->selection_set);
      if (!subs.empty()) {
        Conflict c{name, {}, {f1.node}, {f2.node}};
        for (auto& sub : subs) {
          c.reason.subs.push_back(SubReason{sub.name, sub.reason});
          c.fields1.insert(c.fields1.end(), sub.fields1.begin(), sub.fields1.end());
          c.fields2.insert(c.fields2.end(), sub.fields2.begin(), sub.fields2.end());
        }
        return c;
      }
    }
    return std::nullopt;
  }

  Context& c_;
  PairSet pairs_;
  std::map<const ast::SelectionSet*, Collected> cache_;
  bool cycle_checked_ = false;
  bool has_cycle_ = false;
};

}  // namespace

std::unique_ptr<Rule> MakeOverlappingFieldsCanBeMerged(Context& ctx) {
  return std::make_unique<OverlappingFieldsCanBeMerged>(ctx);
}

}  // namespace retrain::graphql::validation
