#include "graphql/validation.h"

#include <set>

#include "graphql/validation_context.h"

namespace retrain::graphql {
namespace validation {

TypeRef TypeFromAst(const Schema& schema, const ast::TypeNode& node) {
  switch (node.kind) {
    case ast::TypeNode::Kind::kNamed:
      return TypeRef(schema.FindType(node.name.value));
    case ast::TypeNode::Kind::kList: {
      TypeRef inner = TypeFromAst(schema, *node.of);
      return inner.valid() ? inner.ListOf() : TypeRef();
    }
    case ast::TypeNode::Kind::kNonNull: {
      TypeRef inner = TypeFromAst(schema, *node.of);
      return inner.valid() ? inner.NonNullOf() : TypeRef();
    }
  }
  return TypeRef();
}

namespace {

TypeRef OutputOrNone(const TypeRef& t) {
  return t.valid() && t.named()->IsOutputType() ? t : TypeRef();
}
TypeRef InputOrNone(const TypeRef& t) {
  return t.valid() && t.named()->IsInputType() ? t : TypeRef();
}

const NamedType* RootType(const Schema& s, ast::OperationType op) {
  switch (op) {
    case ast::OperationType::kQuery:
      return s.query_type();
    case ast::OperationType::kMutation:
      return s.mutation_type();
    case ast::OperationType::kSubscription:
      return s.subscription_type();
  }
  return nullptr;
}

}  // namespace

void TypeInfo::Enter(const NodeRef& n) {
  switch (n.kind) {
    case NodeKind::kSelectionSet: {
      const NamedType* named = GetType().named();
      parent_type_stack_.push_back(named && named->IsComposite() ? named : nullptr);
      break;
    }
    case NodeKind::kField: {
      const NamedType* parent = GetParentType();
      const FieldDef* def =
          parent ? schema_.FieldFor(parent, n.As<ast::Selection>().name.value) : nullptr;
      field_stack_.push_back(def);
      type_stack_.push_back(def ? OutputOrNone(def->type) : TypeRef());
      break;
    }
    case NodeKind::kDirective:
      directive_ = schema_.FindDirective(n.As<ast::Directive>().name.value);
      break;
    case NodeKind::kOperation:
      type_stack_.push_back(TypeRef(RootType(schema_, n.As<ast::OperationDefinition>().operation)));
      break;
    case NodeKind::kInlineFragment: {
      const auto& s = n.As<ast::Selection>();
      TypeRef t = s.type_condition ? TypeRef(schema_.FindType(s.type_condition->value))
                                   : TypeRef(GetType().named());
      type_stack_.push_back(OutputOrNone(t));
      break;
    }
    case NodeKind::kFragmentDefinition: {
      const auto& f = n.As<ast::FragmentDefinition>();
      type_stack_.push_back(OutputOrNone(TypeRef(schema_.FindType(f.type_condition.value))));
      break;
    }
    case NodeKind::kVariableDefinition:
      input_stack_.push_back(
          InputOrNone(TypeFromAst(schema_, n.As<ast::VariableDefinition>().type)));
      break;
    case NodeKind::kArgument: {
      const std::string& name = n.As<ast::Argument>().name.value;
      const InputValueDef* arg = nullptr;
      if (directive_) {
        arg = directive_->FindArg(name);
      } else if (const FieldDef* f = GetFieldDef()) {
        arg = f->FindArg(name);
      }
      argument_ = arg;
      default_stack_.push_back(arg && arg->default_value.has_value());
      input_stack_.push_back(arg ? InputOrNone(arg->type) : TypeRef());
      break;
    }
    case NodeKind::kValue: {
      if (n.As<ast::ValueNode>().kind != ast::ValueKind::kList) break;
      TypeRef list = GetInputType().Nullable();
      TypeRef item = list.IsList() ? list.OfType() : list;
      default_stack_.push_back(false);
      input_stack_.push_back(InputOrNone(item));
      break;
    }
    case NodeKind::kObjectField: {
      const NamedType* obj = GetInputType().named();
      const InputValueDef* field = nullptr;
      if (obj && obj->kind == TypeKind::kInputObject) {
        field = obj->FindInputField(n.As<ast::ObjectField>().name.value);
      }
      default_stack_.push_back(field && field->default_value.has_value());
      input_stack_.push_back(field ? InputOrNone(field->type) : TypeRef());
      break;
    }
    default:
      break;
  }
}

void TypeInfo::Leave(const NodeRef& n) {
  switch (n.kind) {
    case NodeKind::kSelectionSet:
      parent_type_stack_.pop_back();
      break;
    case NodeKind::kField:
      field_stack_.pop_back();
      type_stack_.pop_back();
      break;
    case NodeKind::kDirective:
      directive_ = nullptr;
      break;
    case NodeKind::kOperation:
    case NodeKind::kInlineFragment:
    case NodeKind::kFragmentDefinition:
      type_stack_.pop_back();
      break;
    case NodeKind::kVariableDefinition:
      input_stack_.pop_back();
      break;
    case NodeKind::kArgument:
      argument_ = nullptr;
      default_stack_.pop_back();
      input_stack_.pop_back();
      break;
    case NodeKind::kValue:
      if (n.As<ast::ValueNode>().kind != ast::ValueKind::kList) break;
      default_stack_.pop_back();
      input_stack_.pop_back();
      break;
    case NodeKind::kObjectField:
      default_stack_.pop_back();
      input_stack_.pop_back();
      break;
    default:
      break;
  }
}

Walker::Walker(Context& ctx, TypeInfo& type_info, std::vector<Rule*> rules)
    : ctx_(ctx), ti_(type_info), rules_(std::move(rules)), skipping_(rules_.size(), nullptr) {}

bool Walker::Enter(const NodeRef& n) {
  ti_.Enter(n);
  bool any = false;
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (ctx_.aborted()) return false;
    if (skipping_[i] != nullptr) continue;
    if (!rules_[i]->Enter(n)) {
      skipping_[i] = n.ptr;
    } else {
      any = true;
    }
  }
  return any && !ctx_.aborted();
}

void Walker::Leave(const NodeRef& n) {
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (skipping_[i] == nullptr) {
      if (!ctx_.aborted()) rules_[i]->Leave(n);
    } else if (skipping_[i] == n.ptr) {
      skipping_[i] = nullptr;
    }
  }
  ti_.Leave(n);
}

void Walker::WalkDocument(const ast::Document& doc) {
  NodeRef n{NodeKind::kDocument, &doc};
  if (Enter(n)) {
    for (const auto& def : doc.definitions) WalkDefinition(def);
  }
  Leave(n);
}

void Walker::WalkDefinition(const ast::Definition& def) {
  ctx_.in_sdl = false;
  if (const auto* op = std::get_if<ast::OperationDefinition>(&def)) return WalkOperation(*op);
  if (const auto* f = std::get_if<ast::FragmentDefinition>(&def)) return WalkFragment(*f);
  ctx_.in_sdl = true;
  if (const auto* t = std::get_if<ast::TypeDefinition>(&def)) {
    NodeRef n{NodeKind::kTypeDefinition, t};
    static const char* kLocations[] = {"SCALAR", "OBJECT", "INTERFACE",
                                       "UNION",  "ENUM",   "INPUT_OBJECT"};
    if (Enter(n)) {
      for (const auto& i : t->interfaces) WalkNamedType(i);
      WalkDirectives(t->directives, kLocations[static_cast<int>(t->kind)]);
      for (const auto& f : t->fields) {
        NodeRef fn{NodeKind::kFieldDefinition, &f};
        if (Enter(fn)) {
          for (const auto& a : f.arguments) WalkInputValueDefinition(a, "ARGUMENT_DEFINITION");
          WalkType(f.type);
          WalkDirectives(f.directives, "FIELD_DEFINITION");
        }
        Leave(fn);
      }
      for (const auto& m : t->members) WalkNamedType(m);
      for (const auto& v : t->values) {
        NodeRef vn{NodeKind::kEnumValueDefinition, &v};
        if (Enter(vn)) WalkDirectives(v.directives, "ENUM_VALUE");
        Leave(vn);
      }
      for (const auto& f : t->input_fields) WalkInputValueDefinition(f, "INPUT_FIELD_DEFINITION");
    }
    Leave(n);
  } else if (const auto* s = std::get_if<ast::SchemaDefinition>(&def)) {
    NodeRef n{NodeKind::kSchemaDefinition, s};
    if (Enter(n)) {
      WalkDirectives(s->directives, "SCHEMA");
      for (const auto& [op, name] : s->operation_types) WalkNamedType(name);
    }
    Leave(n);
  } else if (const auto* d = std::get_if<ast::DirectiveDefinition>(&def)) {
    NodeRef n{NodeKind::kDirectiveDefinition, d};
    if (Enter(n)) {
      for (const auto& a : d->arguments) WalkInputValueDefinition(a, "ARGUMENT_DEFINITION");
    }
    Leave(n);
  }
}

void Walker::WalkInputValueDefinition(const ast::InputValueDefinition& v, const char* location) {
  NodeRef n{NodeKind::kInputValueDefinition, &v};
  if (Enter(n)) {
    WalkType(v.type);
    if (v.default_value) WalkValue(*v.default_value);
    WalkDirectives(v.directives, location);
  }
  Leave(n);
}

void Walker::WalkOperation(const ast::OperationDefinition& op) {
  NodeRef n{NodeKind::kOperation, &op};
  static const char* kLocations[] = {"QUERY", "MUTATION", "SUBSCRIPTION"};
  if (Enter(n)) {
    for (const auto& v : op.variables) WalkVariableDefinition(v);
    WalkDirectives(op.directives, kLocations[static_cast<int>(op.operation)]);
    WalkSelectionSet(op.selection_set);
  }
  Leave(n);
}

void Walker::WalkFragment(const ast::FragmentDefinition& f) {
  NodeRef n{NodeKind::kFragmentDefinition, &f};
  if (Enter(n)) {
    WalkNamedType(f.type_condition);
    WalkDirectives(f.directives, "FRAGMENT_DEFINITION");
    WalkSelectionSet(f.selection_set);
  }
  Leave(n);
}

void Walker::WalkVariableDefinition(const ast::VariableDefinition& v) {
  NodeRef n{NodeKind::kVariableDefinition, &v};
  if (Enter(n)) {
    WalkType(v.type);
    if (v.default_value) WalkValue(*v.default_value);
    WalkDirectives(v.directives, "VARIABLE_DEFINITION");
  }
  Leave(n);
}

void Walker::WalkSelectionSet(const ast::SelectionSet& set) {
  NodeRef n{NodeKind::kSelectionSet, &set};
  if (Enter(n)) {
    for (const auto& s : set.selections) WalkSelection(s);
  }
  Leave(n);
}

void Walker::WalkSelection(const ast::Selection& s) {
  switch (s.kind) {
    case ast::Selection::Kind::kField: {
      NodeRef n{NodeKind::kField, &s};
      if (Enter(n)) {
        WalkArguments(s.arguments);
        WalkDirectives(s.directives, "FIELD");
        if (s.selection_set) WalkSelectionSet(*s.selection_set);
      }
      Leave(n);
      return;
    }
    case ast::Selection::Kind::kFragmentSpread: {
      NodeRef n{NodeKind::kFragmentSpread, &s};
      if (Enter(n)) WalkDirectives(s.directives, "FRAGMENT_SPREAD");
      Leave(n);
      return;
    }
    case ast::Selection::Kind::kInlineFragment: {
      NodeRef n{NodeKind::kInlineFragment, &s};
      if (Enter(n)) {
        if (s.type_condition) WalkNamedType(*s.type_condition);
        WalkDirectives(s.directives, "INLINE_FRAGMENT");
        WalkSelectionSet(*s.selection_set);
      }
      Leave(n);
      return;
    }
  }
}

void Walker::WalkDirectives(const std::vector<ast::Directive>& ds, const char* location) {
  for (const auto& d : ds) {
    ctx_.directive_location = location;
    NodeRef n{NodeKind::kDirective, &d};
    if (Enter(n)) WalkArguments(d.arguments);
    Leave(n);
  }
}

void Walker::WalkArguments(const std::vector<ast::Argument>& args) {
  for (const auto& a : args) {
    NodeRef n{NodeKind::kArgument, &a};
    if (Enter(n)) WalkValue(a.value);
    Leave(n);
  }
}

void Walker::WalkValue(const ast::ValueNode& v) {
  NodeRef n{NodeKind::kValue, &v};
  if (Enter(n)) {
    for (const auto& item : v.list) WalkValue(item);
    for (const auto& f : v.fields) {
      NodeRef fn{NodeKind::kObjectField, &f};
      if (Enter(fn)) WalkValue(f.value);
      Leave(fn);
    }
  }
  Leave(n);
}

void Walker::WalkType(const ast::TypeNode& t) {
  if (t.kind == ast::TypeNode::Kind::kNamed) {
    WalkNamedType(t.name);
  } else {
    WalkType(*t.of);
  }
}

void Walker::WalkNamedType(const ast::Name& name) {
  NodeRef n{NodeKind::kNamedType, &name};
  Enter(n);
  Leave(n);
}

Context::Context(const Schema& schema, const ast::Document& doc, int max_errors)
    : schema_(schema), doc_(doc), type_info_(schema), max_errors_(max_errors) {
  for (const auto& def : doc.definitions) {
    if (const auto* f = std::get_if<ast::FragmentDefinition>(&def)) fragments_[f->name.value] = f;
  }
}

void Context::Report(std::string message, std::vector<uint32_t> offsets) {
  if (aborted_) return;
  if (static_cast<int>(errors_.size()) >= max_errors_) {
    errors_.push_back(
        GraphQLError{"Too many validation errors, error limit reached. Validation aborted.",
                     {},
                     {},
                     kCodeValidationFailed,
                     {}});
    aborted_ = true;
    return;
  }
  GraphQLError e;
  e.message = std::move(message);
  for (uint32_t off : offsets) e.locations.push_back(doc_.LocationOf(off));
  e.code = kCodeValidationFailed;
  errors_.push_back(std::move(e));
}

const ast::FragmentDefinition* Context::GetFragment(std::string_view name) const {
  auto it = fragments_.find(name);
  return it == fragments_.end() ? nullptr : it->second;
}

std::vector<const ast::Selection*> Context::GetFragmentSpreads(
    const ast::SelectionSet& root) const {
  std::vector<const ast::Selection*> spreads;
  std::vector<const ast::SelectionSet*> stack{&root};
  while (!stack.empty()) {
    const ast::SelectionSet* set = stack.back();
    stack.pop_back();
    for (const auto& s : set->selections) {
      if (s.kind == ast::Selection::Kind::kFragmentSpread) {
        spreads.push_back(&s);
      } else if (s.selection_set) {
        stack.push_back(&*s.selection_set);
      }
    }
  }
  return spreads;
}

std::vector<const ast::FragmentDefinition*> Context::GetRecursivelyReferencedFragments(
    const ast::OperationDefinition& op) const {
  std::vector<const ast::FragmentDefinition*> out;
  std::set<std::string, std::less<>> collected;
  std::vector<const ast::SelectionSet*> stack{&op.selection_set};
  while (!stack.empty()) {
    const ast::SelectionSet* set = stack.back();
    stack.pop_back();
    for (const ast::Selection* spread : GetFragmentSpreads(*set)) {
      if (!collected.insert(spread->name.value).second) continue;
      if (const ast::FragmentDefinition* f = GetFragment(spread->name.value)) {
        out.push_back(f);
        stack.push_back(&f->selection_set);
      }
    }
  }
  return out;
}

namespace {

class UsageCollector : public Rule {
 public:
  UsageCollector(TypeInfo& ti, std::vector<Context::VariableUsage>& out) : ti_(ti), out_(out) {}
  bool Enter(const NodeRef& n) override {
    if (n.kind == NodeKind::kVariableDefinition) return false;
    if (n.kind == NodeKind::kValue && n.As<ast::ValueNode>().kind == ast::ValueKind::kVariable) {
      out_.push_back({&n.As<ast::ValueNode>(), ti_.GetInputType(), ti_.HasDefaultValue()});
    }
    return true;
  }

 private:
  TypeInfo& ti_;
  std::vector<Context::VariableUsage>& out_;
};

}  // namespace

std::vector<Context::VariableUsage> Context::GetVariableUsages(const void* def, bool is_operation) {
  auto it = usage_cache_.find(def);
  if (it != usage_cache_.end()) return it->second;
  std::vector<VariableUsage> usages;
  TypeInfo ti(schema_);
  UsageCollector collector(ti, usages);
  Walker walker(*this, ti, {&collector});
  bool saved_sdl = in_sdl;
  const char* saved_location = directive_location;
  if (is_operation) {
    walker.WalkOperation(*static_cast<const ast::OperationDefinition*>(def));
  } else {
    walker.WalkFragment(*static_cast<const ast::FragmentDefinition*>(def));
  }
  in_sdl = saved_sdl;
  directive_location = saved_location;
  usage_cache_[def] = usages;
  return usages;
}

std::vector<Context::VariableUsage> Context::GetRecursiveVariableUsages(
    const ast::OperationDefinition& op) {
  std::vector<VariableUsage> usages = GetVariableUsages(&op, true);
  for (const ast::FragmentDefinition* f : GetRecursivelyReferencedFragments(op)) {
    auto more = GetVariableUsages(f, false);
    usages.insert(usages.end(), more.begin(), more.end());
  }
  return usages;
}

}  // namespace validation

std::vector<GraphQLError> Validate(const Schema& schema, const ast::Document& doc, int max_errors) {
  validation::Context ctx(schema, doc, max_errors);
  auto rules = validation::MakeSpecifiedRules(ctx);
  std::vector<validation::Rule*> raw;
  for (auto& r : rules) raw.push_back(r.get());
  validation::Walker walker(ctx, ctx.type_info(), raw);
  walker.WalkDocument(doc);
  return ctx.TakeErrors();
}

}  // namespace retrain::graphql
