#pragma once
// YAML documents (the deploy manifests) as JSON, the way the API server would decode them.

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>

namespace retrain::it {

// YAML -> JSON keeping the types a Kubernetes decoder would see: quoted scalars stay
// strings, plain scalars become null/bool/int/float where they parse as one.
inline nlohmann::json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = ToJson(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& v : n) a.push_back(ToJson(v));
      return a;
    }
    case YAML::NodeType::Scalar: {
      std::string s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "true") return true;
      if (s == "false") return false;
      if (s == "null" || s == "~") return nullptr;
      try {
        size_t pos = 0;
        long long v = std::stoll(s, &pos);
        if (pos == s.size()) return v;
      } catch (const std::exception&) {
      }
      return s;
    }
    default:
      return nullptr;
  }
}

}  // namespace retrain::it
