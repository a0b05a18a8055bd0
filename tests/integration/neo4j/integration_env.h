#pragma once
// What tests/integration/neo4j/run hands the integration tests: NEO4J_URI, NEO4J_USER,
// NEO4J_PASSWORD, NEO4J_TLS_CA (the server's self-signed certificate), NEO4J_SERVICE (the
// service script) and NEO4J_SERVICE_DIR (its state directory).

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "feed/neo4j/bolt/connection.h"

namespace retrain::testenv {

inline std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

inline bolt::BoltConfig Config() {
  bolt::BoltConfig c;
  auto a = bolt::ParseBoltUri(Env("NEO4J_URI"));
  if (a) c.address = *a;
  c.user = Env("NEO4J_USER");
  c.password = Env("NEO4J_PASSWORD");
  c.read_timeout_ms = 120000;
  return c;
}

// A loopback port nobody listens on.
inline uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Runs the service script: "stop", "kill" or "start".
inline int Service(const std::string& action) {
  std::string cmd =
      "'" + Env("NEO4J_SERVICE") + "' " + action + " '" + Env("NEO4J_SERVICE_DIR") + "' >/dev/null";
  return std::system(cmd.c_str());
}

}  // namespace retrain::testenv
