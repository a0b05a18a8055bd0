#include "exec/kubernetes/kube_object.h"

#include <nlohmann/json.hpp>

#include "exec/kubernetes/job_manifest.h"

namespace retrain {

using json = nlohmann::json;

std::string StringField(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

const json* ObjectField(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? &*it : nullptr;
}

const json& MetadataOf(const json& obj) {
  static const json kEmpty = json::object();
  const json* md = ObjectField(obj, "metadata");
  return md ? *md : kEmpty;
}

std::string MetaOf(const json& obj, const char* key) { return StringField(MetadataOf(obj), key); }

std::string LabelOf(const json& obj, const char* key) {
  const json& md = MetadataOf(obj);
  auto it = md.find("labels");
  return it != md.end() ? StringField(*it, key) : "";
}

int AttemptOf(const json& obj) {
  try {
    std::string a = LabelOf(obj, kAttemptLabel);
    return a.empty() ? 1 : std::stoi(a);
  } catch (const std::exception&) {
    return 1;
  }
}

}  // namespace retrain
