#pragma once
// API tokens and roles (CONTRACT section 9). A tokens file holds one token per line,
//   role:name:sha256-hex-of-token
// with `#` comments and blank lines allowed; only hashes are on disk. A request presents the
// token itself (Authorization: Bearer <token>); it is hashed and compared in constant time with
// every entry. Roles are ordered read < trigger < admin:
//   read     GET endpoints, GraphQL queries, the dashboard's data
//   trigger  + trigger a retrain (without force), cancel a job
//   admin    + force, promote and roll back models: everything
// Worker callback tokens are separate (per job attempt) and grant nothing here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace retrain {

enum class Role { kRead = 0, kTrigger = 1, kAdmin = 2 };

// "read", "trigger", "admin".
std::string_view ToString(Role role);
// Errors: kInvalidArgument naming the accepted roles.
[[nodiscard]] Result<Role> ParseRole(std::string_view text);
// Whether `held` grants what `needed` does.
inline bool Grants(Role held, Role needed) {
  return static_cast<int>(held) >= static_cast<int>(needed);
}

// Who presented a valid token.
struct Principal {
  Role role = Role::kRead;
  std::string name;
};

class TokenSet {
 public:
  // Parses a tokens file's text; `source` names it in errors. Errors: kInvalidArgument naming
  // the source and line: not three fields, an unknown role, an empty or repeated name, a hash
  // that is not 64 hex digits.
  [[nodiscard]] static Result<TokenSet> Parse(std::string_view text, const std::string& source);
  // Reads and parses the file. Errors: kInvalidArgument for its content, kNotFound when it
  // cannot be read.
  [[nodiscard]] static Result<TokenSet> Load(const std::string& path);

  // The principal whose token this is, or nullopt. Takes the same time whichever entry matches.
  std::optional<Principal> Verify(std::string_view token) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Principal principal;
    std::string hash;  // lower-case hex
  };
  std::vector<Entry> entries_;
};

// A new random token ("rt_" and 64 hex digits) and the tokens-file line that admits it.
struct NewToken {
  std::string token;
  std::string line;
};
NewToken CreateToken(Role role, const std::string& name);

// Names may hold letters, digits and `.-_@`, 1 to 64 of them (no `:`). Errors: kInvalidArgument.
[[nodiscard]] Status ValidateTokenName(std::string_view name);

}  // namespace retrain
