// `retrain token create`: a new API token for server.auth.tokensFile.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "auth/tokens.h"
#include "cli/commands.h"

namespace retrain {

int RunTokenCreate(const std::string& role_name, const std::string& name, const std::string& file) {
  auto role = ParseRole(role_name);
  if (!role) {
    std::cerr << "retrain token create: --role: " << role.error().message << "\n";
    return 2;
  }
  if (auto ok = ValidateTokenName(name); !ok) {
    std::cerr << "retrain token create: --name: " << ok.error().message << "\n";
    return 2;
  }
  NewToken t = CreateToken(*role, name);
  if (!file.empty()) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    std::string line = t.line + "\n";
    if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
        ::fsync(fd) != 0) {
      std::cerr << "retrain token create: cannot append to " << file << ": " << std::strerror(errno)
                << "\n";
      if (fd >= 0) ::close(fd);
      return 1;
    }
    ::close(fd);
  }
  std::cout << "token (shown once; send it as Authorization: Bearer <token>, or --token / "
               "RETRAIN_TOKEN):\n  "
            << t.token << "\n"
            << (file.empty() ? "add this line to the tokens file (server.auth.tokensFile):\n  "
                             : "appended to " + file + ":\n  ")
            << t.line << "\n";
  return 0;
}

}  // namespace retrain
