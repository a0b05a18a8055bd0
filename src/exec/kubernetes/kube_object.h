#pragma once
// Tolerant readers of the fields of a Kubernetes object held as JSON: a missing or
// mistyped field reads as empty, never throws.

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace retrain {

// obj[key] when obj is an object and obj[key] a string, else "".
std::string StringField(const nlohmann::json& obj, const char* key);
// &obj[key] when obj is an object and obj[key] an object, else nullptr.
const nlohmann::json* ObjectField(const nlohmann::json& obj, const char* key);
// obj["metadata"] when it is an object, else an empty object.
const nlohmann::json& MetadataOf(const nlohmann::json& obj);
// metadata[key] when it is a string, else "".
std::string MetaOf(const nlohmann::json& obj, const char* key);
// metadata.labels[key] when it is a string, else "".
std::string LabelOf(const nlohmann::json& obj, const char* key);
// The retrain.dev/attempt label as a number; 1 when missing or not a number.
int AttemptOf(const nlohmann::json& obj);

}  // namespace retrain
