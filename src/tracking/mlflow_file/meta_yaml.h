#pragma once
// The meta.yaml documents of MLflow's file store (internal to this adapter).
//
// MLflow writes them with PyYAML `safe_dump(default_flow_style=False, sort_keys=True)`: one
// `key: value` line per field in key order, strings quoted only when they would otherwise read
// as another type. MetaDoc reproduces that output for the fields this adapter writes and keeps
// fields it does not know (written by MLflow itself) when it rewrites a document.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace retrain::mlflow_file {

class MetaDoc {
 public:
  // Parses a meta.yaml. Errors: kInternal when it is not a YAML mapping.
  [[nodiscard]] static Result<MetaDoc> Parse(const std::string& text);

  void SetNull(const std::string& key);
  void SetInt(const std::string& key, int64_t value);
  void SetString(const std::string& key, std::string_view value);
  // A literal YAML value written as is ("[]", "None", "4").
  void SetRaw(const std::string& key, std::string value);
  void SetStringMap(const std::string& key, const std::map<std::string, std::string>& value);
  void Erase(const std::string& key);

  // The scalar's text; nullopt when the key is missing or null.
  std::optional<std::string> Get(const std::string& key) const;
  std::optional<int64_t> GetInt(const std::string& key) const;

  // The document text, keys sorted, ending in a newline.
  std::string Emit() const;

 private:
  struct Value {
    enum class Kind { kNull, kRaw, kString, kMap } kind = Kind::kNull;
    std::string text;
    std::map<std::string, std::string> map;
  };
  std::map<std::string, Value> values_;
};

// A YAML scalar for `s` as PyYAML's safe_dump writes it: plain when unambiguous, else
// single-quoted, or double-quoted with escapes when it holds line breaks or control bytes.
std::string YamlScalar(std::string_view s);

}  // namespace retrain::mlflow_file
