#include <unistd.h>

#include "config/config.h"

extern char** environ;

namespace retrain {

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

Result<std::string> ExpandVariables(std::string_view text,
                                    const std::map<std::string, std::string>& env) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out.push_back(c);
      continue;
    }
    if (text[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out.push_back(c);
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return Fail(ErrorCode::kInvalidArgument, "unterminated ${ in '" + std::string(text) + "'");
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::string_view name = inner;
    std::optional<std::string_view> fallback;
    if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
      name = inner.substr(0, sep);
      fallback = inner.substr(sep + 2);
    }
    bool valid = !name.empty();
    for (char n : name) valid = valid && (std::isalnum(static_cast<unsigned char>(n)) || n == '_');
    if (!valid) {
      return Fail(ErrorCode::kInvalidArgument,
                  "'${" + std::string(inner) + "}' is not a valid variable reference");
    }
    auto it = env.find(std::string(name));
    if (it != env.end() && !(fallback && it->second.empty())) {
      out += it->second;
    } else if (fallback) {
      out += *fallback;
    } else {
      return Fail(ErrorCode::kInvalidArgument, "environment variable " + std::string(name) +
                                                   " is not set (write ${" + std::string(name) +
                                                   ":-default} for a default)");
    }
    i = close;
  }
  return out;
}

}  // namespace retrain
