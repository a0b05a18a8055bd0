// Depth and field-count limits, computed with fragments expanded. Each fragment is measured
// once (memoized), so documents that spread fragments exponentially are measured in linear
// time; counts saturate instead of overflowing. Fragment cycles count as empty.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "graphql/execution.h"

namespace retrain::graphql {
namespace {

struct Measure {
  int64_t depth = 0;
  int64_t fields = 0;
};

int64_t SatAdd(int64_t a, int64_t b) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 2;
  return std::min(kMax, a + b);
}

class Measurer {
 public:
  explicit Measurer(const ast::Document& doc) {
    for (const auto& def : doc.definitions) {
      if (const auto* f = std::get_if<ast::FragmentDefinition>(&def)) fragments_[f->name.value] = f;
    }
  }

  Measure Set(const ast::SelectionSet& set) {
    Measure m;
    for (const auto& s : set.selections) {
      Measure child;
      switch (s.kind) {
        case ast::Selection::Kind::kField: {
          Measure sub = s.selection_set ? Set(*s.selection_set) : Measure{};
          child = {sub.depth + 1, SatAdd(sub.fields, 1)};
          break;
        }
        case ast::Selection::Kind::kInlineFragment:
          child = Set(*s.selection_set);
          break;
        case ast::Selection::Kind::kFragmentSpread:
          child = Fragment(s.name.value);
          break;
      }
      m.depth = std::max(m.depth, child.depth);
      m.fields = SatAdd(m.fields, child.fields);
    }
    return m;
  }

 private:
  Measure Fragment(const std::string& name) {
    if (auto it = memo_.find(name); it != memo_.end()) return it->second;
    auto def = fragments_.find(name);
    if (def == fragments_.end() || !in_progress_.insert(name).second) return {};
    Measure m = Set(def->second->selection_set);
    in_progress_.erase(name);
    memo_[name] = m;
    return m;
  }

  std::map<std::string, const ast::FragmentDefinition*> fragments_;
  std::map<std::string, Measure> memo_;
  std::set<std::string> in_progress_;
};

}  // namespace

std::optional<GraphQLError> CheckLimits(const ast::Document& doc, const Limits& limits) {
  Measurer measurer(doc);
  for (const auto& def : doc.definitions) {
    const auto* op = std::get_if<ast::OperationDefinition>(&def);
    if (!op) continue;
    Measure m = measurer.Set(op->selection_set);
    std::string message;
    if (limits.max_depth > 0 && m.depth > limits.max_depth) {
      message = "Query depth " + std::to_string(m.depth) + " exceeds the maximum depth of " +
                std::to_string(limits.max_depth) + ".";
    } else if (limits.max_fields > 0 && m.fields > limits.max_fields) {
      message = "Query selects " + std::to_string(m.fields) +
                " fields (fragments expanded), more than the maximum of " +
                std::to_string(limits.max_fields) + ".";
    }
    if (!message.empty()) {
      return GraphQLError{
          std::move(message), {doc.LocationOf(op->loc)}, {}, kCodeLimitExceeded, {}};
    }
  }
  return std::nullopt;
}

}  // namespace retrain::graphql
