// The executor. Fields are resolved level by level: every object of one level that shares a
// selection is resolved together, so a BatchResolver is called once per field per level.
// Results go into a tree of nodes; after all levels, nulls propagate from failed non-null
// positions to the nearest nullable parent (spec 6.4.4), and errors are ordered and pruned
// to what a depth-first executor reports (it stops an object or list at its first failed
// non-null member).
#include <algorithm>
#include <deque>
#include <set>

#include "graphql/coercion.h"
#include "graphql/execution_internal.h"
#include "graphql/introspection.h"

namespace retrain::graphql {
namespace {

struct Node {
  enum class Kind { kNull, kLeaf, kList, kObject };
  Kind kind = Kind::kNull;
  bool non_null = false;
  Value leaf;
  std::vector<Node*> items;
  std::vector<std::pair<std::string, Node*>> fields;
};

struct Position {
  std::vector<PathSegment> path;
  std::vector<int64_t> order;  // field index / list index per path segment
};

struct Item {
  const NamedType* type;  // the runtime object type
  Value parent;
  Node* node;
  Position pos;
};

struct Batch {
  std::vector<const ast::SelectionSet*> sets;
  std::vector<Item> items;
};

struct OrderedError {
  GraphQLError error;
  std::vector<int64_t> order;
};

using FieldGroups = std::vector<std::pair<std::string, std::vector<const ast::Selection*>>>;

class Executor {
 public:
  Executor(const Schema& s, const ast::Document& doc, const FragmentMap& fragments, Value variables,
           Context& ctx)
      : schema_(s), doc_(doc), fragments_(fragments), variables_(std::move(variables)), ctx_(ctx) {}

  void Run(const ast::OperationDefinition& op, const NamedType& root, const Value& root_value,
           Response& response) {
    Node* root_node = NewNode();
    Batch batch{{&op.selection_set}, {Item{&root, root_value, root_node, {}}}};
    bool serial = op.operation == ast::OperationType::kMutation;
    ExecuteBatch(batch, serial);
    while (!queue_.empty()) {
      Batch next = std::move(queue_.front());
      queue_.pop_front();
      ExecuteBatch(next, false);
    }
    Position pos;
    bool null_root = Finalize(root_node, pos.order);
    response.data = null_root ? Value() : ToValue(root_node);
    std::stable_sort(
        errors_.begin(), errors_.end(),
        [](const OrderedError& a, const OrderedError& b) { return a.order < b.order; });
    for (auto& e : errors_) {
      if (!Pruned(e.order)) response.errors.push_back(std::move(e.error));
    }
  }

 private:
  Node* NewNode() { return &arena_.emplace_back(); }

  void CollectInto(const NamedType* type, const ast::SelectionSet& set, FieldGroups& groups,
                   std::set<std::string>& visited) {
    for (const auto& s : set.selections) {
      if (!ShouldInclude(schema_, s.directives, variables_)) continue;
      switch (s.kind) {
        case ast::Selection::Kind::kField: {
          const std::string& key = s.ResponseKey();
          auto it =
              std::find_if(groups.begin(), groups.end(), [&](auto& g) { return g.first == key; });
          if (it == groups.end()) {
            groups.push_back({key, {&s}});
          } else {
            it->second.push_back(&s);
          }
          break;
        }
        case ast::Selection::Kind::kInlineFragment:
          if (s.type_condition && !Applies(s.type_condition->value, type)) break;
          CollectInto(type, *s.selection_set, groups, visited);
          break;
        case ast::Selection::Kind::kFragmentSpread: {
          if (!visited.insert(s.name.value).second) break;
          auto it = fragments_.find(s.name.value);
          if (it == fragments_.end() || !Applies(it->second->type_condition.value, type)) break;
          CollectInto(type, it->second->selection_set, groups, visited);
          break;
        }
      }
    }
  }

  bool Applies(const std::string& condition, const NamedType* type) {
    const NamedType* cond = schema_.FindType(condition);
    if (cond == type) return true;
    return cond && cond->IsAbstract() && schema_.IsSubType(cond, type);
  }

  void RecordError(std::string message, const std::vector<const ast::Selection*>& nodes,
                   const Position& pos, std::string code = {}, Value extensions = {}) {
    GraphQLError e;
    e.message = std::move(message);
    for (const auto* n : nodes) e.locations.push_back(doc_.LocationOf(n->loc));
    e.path = pos.path;
    e.code = std::move(code);
    e.extensions = std::move(extensions);
    errors_.push_back(OrderedError{std::move(e), pos.order});
  }

  void ExecuteBatch(Batch& batch, bool serial) {
    // Group the items by runtime type, keeping the order of first appearance.
    std::vector<std::pair<const NamedType*, std::vector<Item*>>> groups;
    for (auto& item : batch.items) {
      auto it =
          std::find_if(groups.begin(), groups.end(), [&](auto& g) { return g.first == item.type; });
      if (it == groups.end()) {
        groups.push_back({item.type, {&item}});
      } else {
        it->second.push_back(&item);
      }
    }
    for (auto& [type, items] : groups) {
      FieldGroups fields;
      std::set<std::string> visited;
      for (const auto* set : batch.sets) CollectInto(type, *set, fields, visited);
      for (Item* item : items) {
        item->node->kind = Node::Kind::kObject;
        for (const auto& [key, nodes] : fields) item->node->fields.emplace_back(key, NewNode());
      }
      for (size_t k = 0; k < fields.size(); ++k) {
        ResolveField(type, fields[k].second, k, items);
        if (serial) {
          while (!queue_.empty()) {
            Batch next = std::move(queue_.front());
            queue_.pop_front();
            ExecuteBatch(next, false);
          }
          // A failed non-null root mutation field nulls "data": the fields after it must not
          // run (they could change state).
          Node* done = items[0]->node->fields[k].second;
          std::vector<int64_t> order{static_cast<int64_t>(k)};
          if (Finalize(done, order) && done->non_null) return;
        }
      }
    }
  }

  static Position Child(const Position& pos, PathSegment seg, int64_t order) {
    Position p = pos;
    p.path.push_back(std::move(seg));
    p.order.push_back(order);
    return p;
  }

  void ResolveField(const NamedType* type, const std::vector<const ast::Selection*>& nodes,
                    size_t k, const std::vector<Item*>& items) {
    const ast::Selection& first = *nodes[0];
    const FieldDef* def = schema_.FieldFor(type, first.name.value);
    const std::string& key = first.ResponseKey();
    std::vector<Position> positions;
    for (Item* item : items) positions.push_back(Child(item->pos, key, static_cast<int64_t>(k)));
    if (def == nullptr) return;  // validation rules this out
    Batch child;
    for (const auto* n : nodes) {
      if (n->selection_set) child.sets.push_back(&*n->selection_set);
    }
    auto node_at = [&](size_t i) { return items[i]->node->fields[k].second; };
    if (def->name == "__typename") {
      for (size_t i = 0; i < items.size(); ++i) {
        Complete(def->type, Value(type->name), node_at(i), positions[i], nodes, type, *def, child);
      }
      return;
    }
    auto args = CoerceArgumentValues(def->args, first.arguments, first.loc, variables_);
    std::vector<FieldResult> results;
    if (!args) {
      for (size_t i = 0; i < items.size(); ++i) {
        Node* n = node_at(i);
        n->non_null = def->type.IsNonNull();
        GraphQLError e;
        e.message = args.error().message;
        e.locations.push_back(doc_.LocationOf(args.error().offset));
        e.path = positions[i].path;
        e.code = kCodeBadUserInput;
        errors_.push_back(OrderedError{std::move(e), positions[i].order});
      }
      return;
    }
    if (def->batch_resolver) {
      std::vector<Value> parents;
      for (Item* item : items) parents.push_back(item->parent);
      results = def->batch_resolver(parents, *args, ctx_);
      if (results.size() != items.size()) {
        results.assign(items.size(),
                       std::unexpected(FieldError{
                           "Batch resolver for " + type->name + "." + def->name + " returned " +
                               std::to_string(results.size()) + " results for " +
                               std::to_string(items.size()) + " parents.",
                           kCodeInternal,
                           {}}));
      }
    } else {
      for (Item* item : items) {
        if (def->resolver) {
          results.push_back(def->resolver(item->parent, *args, ctx_));
        } else {
          const Value* v = item->parent.Find(def->name);
          results.push_back(v ? *v : Value());
        }
      }
    }
    for (size_t i = 0; i < items.size(); ++i) {
      Node* n = node_at(i);
      if (!results[i]) {
        n->non_null = def->type.IsNonNull();
        const FieldError& fe = results[i].error();
        RecordError(fe.message, nodes, positions[i], fe.code, fe.extensions);
        continue;
      }
      Complete(def->type, *results[i], n, positions[i], nodes, type, *def, child);
    }
    if (!child.items.empty()) queue_.push_back(std::move(child));
  }

  void Complete(const TypeRef& type, const Value& v, Node* node, const Position& pos,
                const std::vector<const ast::Selection*>& nodes, const NamedType* parent,
                const FieldDef& def, Batch& child) {
    node->non_null = type.IsNonNull();
    TypeRef inner = type.Nullable();
    if (v.IsNull()) {
      if (type.IsNonNull()) {
        RecordError(
            "Cannot return null for non-nullable field " + parent->name + "." + def.name + ".",
            nodes, pos);
      }
      return;
    }
    if (inner.IsList()) {
      if (!v.IsList()) {
        RecordError("Expected Iterable, but did not find one for field \"" + parent->name + "." +
                        def.name + "\".",
                    nodes, pos);
        return;
      }
      node->kind = Node::Kind::kList;
      const auto& list = v.AsList();
      for (size_t i = 0; i < list.size(); ++i) {
        Node* item = NewNode();
        node->items.push_back(item);
        Complete(inner.OfType(), list[i], item,
                 Child(pos, static_cast<int64_t>(i), static_cast<int64_t>(i)), nodes, parent, def,
                 child);
      }
      return;
    }
    const NamedType* named = inner.named();
    if (named->IsLeaf()) {
      auto serialized = SerializeLeaf(*named, v);
      if (!serialized) {
        RecordError(serialized.error(), nodes, pos);
        return;
      }
      node->kind = Node::Kind::kLeaf;
      node->leaf = std::move(*serialized);
      return;
    }
    const NamedType* runtime = named;
    if (named->IsAbstract()) {
      runtime = ResolveType(*named, v, nodes, pos, *parent, def);
      if (!runtime) return;
    }
    node->kind = Node::Kind::kObject;
    child.items.push_back(Item{runtime, v, node, pos});
  }

  const NamedType* ResolveType(const NamedType& abstract, const Value& v,
                               const std::vector<const ast::Selection*>& nodes, const Position& pos,
                               const NamedType& parent, const FieldDef& def) {
    std::string name;
    if (abstract.type_resolver) {
      name = abstract.type_resolver(v, ctx_);
    } else if (const Value* t = v.Find("__typename"); t && t->IsString()) {
      name = t->AsString();
    }
    if (name.empty()) {
      RecordError("Abstract type \"" + abstract.name +
                      "\" must resolve to an Object type at runtime for field \"" + parent.name +
                      "." + def.name + "\". Either the \"" + abstract.name +
                      "\" type should provide a \"resolveType\" function or each possible type "
                      "should provide an "
                      "\"isTypeOf\" function.",
                  nodes, pos);
      return nullptr;
    }
    const NamedType* t = schema_.FindType(name);
    if (!t) {
      RecordError("Abstract type \"" + abstract.name + "\" was resolved to a type \"" + name +
                      "\" that does not exist inside the schema.",
                  nodes, pos);
      return nullptr;
    }
    if (t->kind != TypeKind::kObject) {
      RecordError("Abstract type \"" + abstract.name + "\" was resolved to a non-object type \"" +
                      name + "\".",
                  nodes, pos);
      return nullptr;
    }
    if (!schema_.IsPossibleType(&abstract, t)) {
      RecordError("Runtime Object type \"" + name + "\" is not a possible type for \"" +
                      abstract.name + "\".",
                  nodes, pos);
      return nullptr;
    }
    return t;
  }

  // Returns true when the node ends up null. A null in a non-null member nulls its parent;
  // a depth-first executor would not have run the members after it, so their errors go.
  bool Finalize(Node* n, std::vector<int64_t>& order) {
    auto children = [&](size_t count, auto get) {
      for (size_t i = 0; i < count; ++i) {
        Node* c = get(i);
        order.push_back(static_cast<int64_t>(i));
        bool null = Finalize(c, order);
        order.pop_back();
        if (null && c->non_null) {
          cuts_.emplace_back(order, static_cast<int64_t>(i));
          n->kind = Node::Kind::kNull;
          return true;
        }
      }
      return false;
    };
    switch (n->kind) {
      case Node::Kind::kNull:
        return true;
      case Node::Kind::kLeaf:
        return false;
      case Node::Kind::kList:
        return children(n->items.size(), [&](size_t i) { return n->items[i]; });
      case Node::Kind::kObject:
        return children(n->fields.size(), [&](size_t i) { return n->fields[i].second; });
    }
    return false;
  }

  bool Pruned(const std::vector<int64_t>& order) const {
    for (const auto& [prefix, index] : cuts_) {
      if (order.size() > prefix.size() && std::equal(prefix.begin(), prefix.end(), order.begin()) &&
          order[prefix.size()] > index) {
        return true;
      }
    }
    return false;
  }

  Value ToValue(const Node* n) const {
    switch (n->kind) {
      case Node::Kind::kNull:
        return Value();
      case Node::Kind::kLeaf:
        return n->leaf;
      case Node::Kind::kList: {
        Value::List out;
        out.reserve(n->items.size());
        for (const Node* c : n->items) out.push_back(ToValue(c));
        return Value(std::move(out));
      }
      case Node::Kind::kObject: {
        Value::Object out;
        out.reserve(n->fields.size());
        for (const auto& [k, c] : n->fields) out.emplace_back(k, ToValue(c));
        return Value(std::move(out));
      }
    }
    return Value();
  }

  const Schema& schema_;
  const ast::Document& doc_;
  const FragmentMap& fragments_;
  Value variables_;
  Context& ctx_;
  std::deque<Node> arena_;
  std::deque<Batch> queue_;
  std::vector<OrderedError> errors_;
  std::vector<std::pair<std::vector<int64_t>, int64_t>> cuts_;
};

}  // namespace

void RunOperation(const Schema& schema, const ast::Document& doc, const FragmentMap& fragments,
                  const ast::OperationDefinition& op, const NamedType& root, Value variables,
                  const Value& root_value, Context& context, Response& response) {
  Executor executor(schema, doc, fragments, std::move(variables), context);
  executor.Run(op, root, root_value, response);
}

}  // namespace retrain::graphql
