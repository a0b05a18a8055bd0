// Validation rules about directives and arguments: known directives and locations, unique
// directives, known and unique argument names.
#include <algorithm>
#include <map>

#include "graphql/suggest.h"
#include "graphql/validation_context.h"

namespace retrain::graphql::validation {
namespace {

using ast::Selection;

std::string Q(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Directive name -> (locations, repeatable, argument names, required argument types).
struct DirectiveInfo {
  std::vector<std::string> locations;
  bool repeatable = false;
  std::vector<std::string> args;
};

std::map<std::string, DirectiveInfo> DirectiveInfos(Context& c) {
  std::map<std::string, DirectiveInfo> out;
  for (const auto& d : c.schema().directives()) {
    DirectiveInfo info{d.locations, d.repeatable, {}};
    for (const auto& a : d.args) info.args.push_back(a.name);
    out[d.name] = info;
  }
  for (const auto& def : c.document().definitions) {
    if (const auto* d = std::get_if<ast::DirectiveDefinition>(&def)) {
      DirectiveInfo info;
      for (const auto& l : d->locations) info.locations.push_back(l.value);
      info.repeatable = d->repeatable;
      for (const auto& a : d->arguments) info.args.push_back(a.name.value);
      out[d->name.value] = info;
    }
  }
  return out;
}

class KnownDirectives : public Rule {
 public:
  explicit KnownDirectives(Context& c) : c_(c), infos_(DirectiveInfos(c)) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind != NodeKind::kDirective) return true;
    const auto& d = n.As<ast::Directive>();
    auto it = infos_.find(d.name.value);
    if (it == infos_.end()) {
      c_.Report("Unknown directive \"@" + d.name.value + "\".", {d.loc});
      return true;
    }
    const auto& locs = it->second.locations;
    std::string where = c_.directive_location;
    if (std::find(locs.begin(), locs.end(), where) == locs.end()) {
      c_.Report("Directive \"@" + d.name.value + "\" may not be used on " + where + ".", {d.loc});
    }
    return true;
  }

 private:
  Context& c_;
  std::map<std::string, DirectiveInfo> infos_;
};

class UniqueDirectivesPerLocation : public Rule {
 public:
  explicit UniqueDirectivesPerLocation(Context& c) : c_(c), infos_(DirectiveInfos(c)) {}
  bool Enter(const NodeRef& n) override {
    const std::vector<ast::Directive>* ds = nullptr;
    std::map<std::string, uint32_t> local;
    std::map<std::string, uint32_t>* seen = &local;
    switch (n.kind) {
      case NodeKind::kOperation:
        ds = &n.As<ast::OperationDefinition>().directives;
        break;
      case NodeKind::kVariableDefinition:
        ds = &n.As<ast::VariableDefinition>().directives;
        break;
      case NodeKind::kField:
      case NodeKind::kFragmentSpread:
      case NodeKind::kInlineFragment:
        ds = &n.As<Selection>().directives;
        break;
      case NodeKind::kFragmentDefinition:
        ds = &n.As<ast::FragmentDefinition>().directives;
        break;
      case NodeKind::kFieldDefinition:
        ds = &n.As<ast::FieldDefinition>().directives;
        break;
      case NodeKind::kInputValueDefinition:
        ds = &n.As<ast::InputValueDefinition>().directives;
        break;
      case NodeKind::kEnumValueDefinition:
        ds = &n.As<ast::EnumValueDefinition>().directives;
        break;
      case NodeKind::kSchemaDefinition:
        ds = &n.As<ast::SchemaDefinition>().directives;
        seen = &schema_seen_;
        break;
      case NodeKind::kTypeDefinition: {
        const auto& t = n.As<ast::TypeDefinition>();
        ds = &t.directives;
        seen = &type_seen_[t.name.value];
        break;
      }
      default:
        return true;
    }
    for (const auto& d : *ds) {
      auto it = infos_.find(d.name.value);
      if (it == infos_.end() || it->second.repeatable) continue;
      auto [pos, inserted] = seen->emplace(d.name.value, d.loc);
      if (!inserted) {
        c_.Report("The directive \"@" + d.name.value + "\" can only be used once at this location.",
                  {pos->second, d.loc});
      }
    }
    return true;
  }

 private:
  Context& c_;
  std::map<std::string, DirectiveInfo> infos_;
  std::map<std::string, uint32_t> schema_seen_;
  std::map<std::string, std::map<std::string, uint32_t>> type_seen_;
};

class KnownArgumentNames : public Rule {
 public:
  explicit KnownArgumentNames(Context& c) : c_(c), infos_(DirectiveInfos(c)) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kDirective) {
      const auto& d = n.As<ast::Directive>();
      auto it = infos_.find(d.name.value);
      if (it == infos_.end()) return false;
      const auto& known = it->second.args;
      for (const auto& a : d.arguments) {
        if (std::find(known.begin(), known.end(), a.name.value) != known.end()) continue;
        c_.Report("Unknown argument " + Q(a.name.value) + " on directive \"@" + d.name.value +
                      "\"." + DidYouMean(SuggestionList(a.name.value, known)),
                  {a.loc});
      }
      return false;
    }
    if (n.kind != NodeKind::kArgument) return true;
    const FieldDef* field = c_.type_info().GetFieldDef();
    const NamedType* parent = c_.type_info().GetParentType();
    if (c_.type_info().GetArgument() || !field || !parent) return true;
    const auto& a = n.As<ast::Argument>();
    std::vector<std::string> known;
    for (const auto& arg : field->args) known.push_back(arg.name);
    c_.Report("Unknown argument " + Q(a.name.value) + " on field " +
                  Q(parent->name + "." + field->name) + "." +
                  DidYouMean(SuggestionList(a.name.value, known)),
              {a.loc});
    return true;
  }

 private:
  Context& c_;
  std::map<std::string, DirectiveInfo> infos_;
};

class UniqueArgumentNames : public Rule {
 public:
  explicit UniqueArgumentNames(Context& c) : c_(c) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kField) Check(n.As<Selection>().arguments);
    if (n.kind == NodeKind::kDirective) Check(n.As<ast::Directive>().arguments);
    return true;
  }

 private:
  void Check(const std::vector<ast::Argument>& args) {
    std::vector<std::pair<std::string, std::vector<uint32_t>>> groups;
    for (const auto& a : args) {
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](auto& g) { return g.first == a.name.value; });
      if (it == groups.end()) {
        groups.push_back({a.name.value, {a.name.loc}});
      } else {
        it->second.push_back(a.name.loc);
      }
    }
    for (auto& [name, locs] : groups) {
      if (locs.size() > 1) c_.Report("There can be only one argument named " + Q(name) + ".", locs);
    }
  }

  Context& c_;
};

}  // namespace

std::unique_ptr<Rule> MakeKnownDirectives(Context& ctx) {
  return std::make_unique<KnownDirectives>(ctx);
}
std::unique_ptr<Rule> MakeUniqueDirectivesPerLocation(Context& ctx) {
  return std::make_unique<UniqueDirectivesPerLocation>(ctx);
}
std::unique_ptr<Rule> MakeKnownArgumentNames(Context& ctx) {
  return std::make_unique<KnownArgumentNames>(ctx);
}
std::unique_ptr<Rule> MakeUniqueArgumentNames(Context& ctx) {
  return std::make_unique<UniqueArgumentNames>(ctx);
}

}  // namespace retrain::graphql::validation
