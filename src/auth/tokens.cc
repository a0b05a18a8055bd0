#include "auth/tokens.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "core/ids.h"

namespace retrain {

std::string_view ToString(Role role) {
  switch (role) {
    case Role::kRead:
      return "read";
    case Role::kTrigger:
      return "trigger";
    case Role::kAdmin:
      return "admin";
  }
  return "read";
}

Result<Role> ParseRole(std::string_view text) {
  if (text == "read") return Role::kRead;
  if (text == "trigger") return Role::kTrigger;
  if (text == "admin") return Role::kAdmin;
  return Fail(ErrorCode::kInvalidArgument,
              "unknown role '" + std::string(text) + "'; expected read, trigger or admin");
}

Status ValidateTokenName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return Fail(ErrorCode::kInvalidArgument, "a token name has 1 to 64 characters");
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
          c == '@')) {
      return Fail(ErrorCode::kInvalidArgument, "the token name '" + std::string(name) +
                                                   "' may hold only letters, digits and . - _ @");
    }
  }
  return {};
}

Result<TokenSet> TokenSet::Parse(std::string_view text, const std::string& source) {
  TokenSet set;
  std::set<std::string> names;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto at = [&](const std::string& why) {
      return Fail(ErrorCode::kInvalidArgument, source + ":" + std::to_string(n) + ": " + why);
    };
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string::npos || line.find(':', c2 + 1) != std::string::npos) {
      return at("expected role:name:sha256-hex (three fields separated by ':')");
    }
    auto role = ParseRole(line.substr(0, c1));
    if (!role) return at(role.error().message);
    std::string name = line.substr(c1 + 1, c2 - c1 - 1);
    if (auto ok = ValidateTokenName(name); !ok) return at(ok.error().message);
    if (!names.insert(name).second) return at("the token name '" + name + "' appears twice");
    std::string hash = line.substr(c2 + 1);
    bool hex = hash.size() == 64;
    for (char& c : hash) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      hex = hex && std::isxdigit(static_cast<unsigned char>(c));
    }
    if (!hex) {
      return at("the hash of token '" + name +
                "' must be 64 hex digits (the SHA-256 of the token; `retrain token create` "
                "prints the line)");
    }
    set.entries_.push_back({Principal{*role, name}, hash});
  }
  return set;
}

Result<TokenSet> TokenSet::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kNotFound, "cannot read the tokens file " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

std::optional<Principal> TokenSet::Verify(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  const std::string hash = Sha256Hex(token);
  std::optional<Principal> found;
  for (const auto& e : entries_) {  // every entry, so the time does not say which matched
    if (ConstantTimeEquals(hash, e.hash) && !found) found = e.principal;
  }
  return found;
}

NewToken CreateToken(Role role, const std::string& name) {
  NewToken t;
  t.token = "rt_" + RandomHex(32);
  t.line = std::string(ToString(role)) + ":" + name + ":" + Sha256Hex(t.token);
  return t;
}

}  // namespace retrain
