#pragma once
// An in-memory model registry for the orchestrator's tests: versions, aliases and version
// tags per model. While `script` is not empty, each call takes its first entry: an error to fail
// with, or nullopt to go through. Single-threaded.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tracking/tracker.h"

namespace retrain::testing {

class FakeRegistry final : public ModelRegistry {
 public:
  // Registers `n` versions ("1".."n") of `name`.
  void AddVersions(const std::string& name, int n) {
    auto& versions = models[name];
    for (int i = 0; i < n; ++i) {
      std::string v = std::to_string(versions.size() + 1);
      versions.push_back(ModelVersion{name, v, "run-" + v, "mlflow-artifacts:/1/run-" + v});
    }
  }

  Status EnsureRegisteredModel(const std::string& name) override {
    if (auto e = NextError()) return std::unexpected(*e);
    models[name];
    return {};
  }
  Result<ModelVersion> CreateVersion(const std::string& name, const std::string& source,
                                     const std::string& run_id) override {
    if (auto e = NextError()) return std::unexpected(*e);
    auto& versions = models[name];
    versions.push_back(ModelVersion{name, std::to_string(versions.size() + 1), run_id, source});
    return versions.back();
  }
  Result<std::optional<ModelVersion>> GetByAlias(const std::string& name,
                                                 const std::string& alias) override {
    if (auto e = NextError()) return std::unexpected(*e);
    if (!models.contains(name)) return Fail(ErrorCode::kNotFound, "no model " + name);
    auto it = aliases.find({name, alias});
    if (it == aliases.end()) return std::optional<ModelVersion>();
    return Find(name, it->second);
  }
  Status SetAlias(const std::string& name, const std::string& alias,
                  const std::string& version) override {
    if (auto e = NextError()) return std::unexpected(*e);
    if (!Find(name, version)) return Fail(ErrorCode::kNotFound, "no version " + version);
    aliases[{name, alias}] = version;
    ++alias_moves;
    return {};
  }
  Result<std::optional<ModelVersion>> GetVersion(const std::string& name,
                                                 const std::string& version) override {
    if (auto e = NextError()) return std::unexpected(*e);
    if (!models.contains(name)) return Fail(ErrorCode::kNotFound, "no model " + name);
    return Find(name, version);
  }
  Status SetVersionTag(const std::string& name, const std::string& version, const std::string& key,
                       const std::string& value) override {
    if (auto e = NextError()) return std::unexpected(*e);
    for (auto& v : models[name]) {
      if (v.version != version) continue;
      v.tags[key] = value;
      return {};
    }
    return Fail(ErrorCode::kNotFound, "no version " + version);
  }

  std::string Champion(const std::string& name) const {
    auto it = aliases.find({name, "champion"});
    return it == aliases.end() ? "" : it->second;
  }
  std::map<std::string, std::string> Tags(const std::string& name, const std::string& version) {
    auto v = Find(name, version);
    return v ? v->tags : std::map<std::string, std::string>{};
  }

  std::map<std::string, std::vector<ModelVersion>> models;
  std::map<std::pair<std::string, std::string>, std::string> aliases;  // (name, alias) -> version
  std::vector<std::optional<Error>> script;
  int alias_moves = 0;

 private:
  std::optional<ModelVersion> Find(const std::string& name, const std::string& version) const {
    auto it = models.find(name);
    if (it == models.end()) return std::nullopt;
    for (const auto& v : it->second)
      if (v.version == version) return v;
    return std::nullopt;
  }
  std::optional<Error> NextError() {
    if (script.empty()) return std::nullopt;
    std::optional<Error> e = script.front();
    script.erase(script.begin());
    return e;
  }
};

}  // namespace retrain::testing
