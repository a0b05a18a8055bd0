#pragma once
// Neo4j connection URIs: bolt://, bolt+s://, bolt+ssc://, neo4j://, neo4j+s://, neo4j+ssc://.
//
//   +s    TLS with certificate and host name verification (system trust store)
//   +ssc  TLS accepting any certificate (self-signed; no verification)
//
// The neo4j:// schemes name a cluster entry point. This client has no routing table yet: it
// connects to the given address directly, which is right for a single server (and for a
// cluster member that can serve the reads and writes asked of it).
// Optional user info ("bolt://user:pass@host") and a query string are accepted; the default
// port is 7687. Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace retrain::bolt {

enum class TlsMode { kNone, kVerify, kSelfSigned };

struct BoltAddress {
  std::string scheme;  // "bolt", "bolt+s", ... as written (lower case)
  std::string host;    // without brackets for IPv6
  uint16_t port = 7687;
  TlsMode tls = TlsMode::kNone;
  bool routing = false;  // a neo4j:// scheme
  std::string user;      // from user info, if any
  std::string password;  // from user info, if any; never logged
};

// Errors: kInvalidArgument naming the URI and what is wrong with it.
[[nodiscard]] Result<BoltAddress> ParseBoltUri(std::string_view uri);

// "scheme://host:port" (IPv6 hosts in brackets), with neither user info nor password.
std::string FormatBoltUri(const BoltAddress& address);

}  // namespace retrain::bolt
