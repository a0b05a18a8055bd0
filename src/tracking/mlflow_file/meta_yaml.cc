#include "tracking/mlflow_file/meta_yaml.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>

#include "core/strings.h"

namespace retrain::mlflow_file {

namespace {

bool LooksLikeOtherType(std::string_view s) {
  if (s.empty()) return true;
  static constexpr std::string_view kWords[] = {"null", "true", "false", "yes", "no",
                                                "on",   "off",  "y",     "n",   "~"};
  const std::string lower = AsciiLower(s);
  for (auto w : kWords) {
    if (lower == w) return true;
  }
  unsigned char first = static_cast<unsigned char>(s.front());
  if (first == '+' || first == '-' || first == '.') return true;
  if (!std::isdigit(first)) return false;
  // YAML 1.1 ints, floats and sexagesimals only use these characters; hex and binary ints are
  // 0x<hex digits> / 0b<binary digits> (a run id such as "0b7dc9..." is a plain string);
  // timestamps start with yyyy-.
  if (s.find_first_not_of("0123456789_.:eE+-") == std::string_view::npos) return true;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'b')) {
    const char* digits = s[1] == 'x' ? "0123456789abcdefABCDEF_" : "01_";
    if (s.find_first_not_of(digits, 2) == std::string_view::npos) return true;
  }
  return s.size() >= 5 && std::isdigit(static_cast<unsigned char>(s[1])) &&
         std::isdigit(static_cast<unsigned char>(s[2])) &&
         std::isdigit(static_cast<unsigned char>(s[3])) && s[4] == '-';
}

bool IsPlainSafe(std::string_view s) {
  if (LooksLikeOtherType(s)) return false;
  unsigned char first = static_cast<unsigned char>(s.front());
  if (!(std::isalnum(first) || first == '_' || first == '/' || first >= 0x80)) return false;
  if (s.back() == ' ' || s.back() == ':') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 || std::isalnum(c)) continue;
    if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '/' || c == '@' || c == '+' ||
        c == '=' || c == ',' || c == '(' || c == ')' || c == '%' || c == '$' || c == '^' ||
        c == '\'') {
      if (c == ' ' && i + 1 < s.size() && s[i + 1] == '#') return false;
      continue;
    }
    if (c == ':') {
      if (i + 1 < s.size() && s[i + 1] == ' ') return false;
      continue;
    }
    return false;
  }
  return true;
}

bool NeedsDoubleQuotes(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string DoubleQuoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::string YamlScalar(std::string_view s) {
  if (IsPlainSafe(s)) return std::string(s);
  if (NeedsDoubleQuotes(s)) return DoubleQuoted(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

Result<MetaDoc> MetaDoc::Parse(const std::string& text) {
  MetaDoc doc;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) return Fail(ErrorCode::kInternal, "meta.yaml is not a YAML mapping");
    for (const auto& entry : root) {
      std::string key = entry.first.as<std::string>();
      const YAML::Node& node = entry.second;
      Value v;
      if (node.IsNull()) {
        v.kind = Value::Kind::kNull;
      } else if (node.IsScalar()) {
        // Tag "!" marks a quoted scalar: a string whatever it looks like.
        v.kind = node.Tag() == "!" ? Value::Kind::kString : Value::Kind::kRaw;
        v.text = node.Scalar();
        if (v.kind == Value::Kind::kRaw && (v.text == "null" || v.text == "~")) {
          v.kind = Value::Kind::kNull;
        }
      } else if (node.IsMap()) {
        v.kind = Value::Kind::kMap;
        for (const auto& kv : node) {
          v.map[kv.first.as<std::string>()] = kv.second.IsScalar() ? kv.second.Scalar() : "";
        }
      } else {
        YAML::Emitter out;
        out << YAML::Flow << node;
        v.kind = Value::Kind::kRaw;
        v.text = out.c_str();
      }
      doc.values_[key] = std::move(v);
    }
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInternal, std::string("meta.yaml is not valid YAML: ") + e.what());
  }
  return doc;
}

void MetaDoc::SetNull(const std::string& key) { values_[key] = Value{}; }

void MetaDoc::SetInt(const std::string& key, int64_t value) { SetRaw(key, std::to_string(value)); }

void MetaDoc::SetString(const std::string& key, std::string_view value) {
  Value v;
  v.kind = Value::Kind::kString;
  v.text = std::string(value);
  values_[key] = std::move(v);
}

void MetaDoc::SetRaw(const std::string& key, std::string value) {
  Value v;
  v.kind = Value::Kind::kRaw;
  v.text = std::move(value);
  values_[key] = std::move(v);
}

void MetaDoc::SetStringMap(const std::string& key, const std::map<std::string, std::string>& m) {
  Value v;
  v.kind = Value::Kind::kMap;
  v.map = m;
  values_[key] = std::move(v);
}

void MetaDoc::Erase(const std::string& key) { values_.erase(key); }

std::optional<std::string> MetaDoc::Get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.kind == Value::Kind::kNull ||
      it->second.kind == Value::Kind::kMap)
    return std::nullopt;
  return it->second.text;
}

std::optional<int64_t> MetaDoc::GetInt(const std::string& key) const {
  auto text = Get(key);
  if (!text) return std::nullopt;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) return std::nullopt;
  return value;
}

std::string MetaDoc::Emit() const {
  std::string out;
  for (const auto& [key, v] : values_) {
    out += key;
    switch (v.kind) {
      case Value::Kind::kNull:
        out += ": null\n";
        break;
      case Value::Kind::kRaw:
        out += ": " + v.text + "\n";
        break;
      case Value::Kind::kString:
        out += ": " + YamlScalar(v.text) + "\n";
        break;
      case Value::Kind::kMap:
        if (v.map.empty()) {
          out += ": {}\n";
        } else {
          out += ":\n";
          for (const auto& [k, val] : v.map)
            out += "  " + YamlScalar(k) + ": " + YamlScalar(val) + "\n";
        }
        break;
    }
  }
  return out;
}

}  // namespace retrain::mlflow_file
