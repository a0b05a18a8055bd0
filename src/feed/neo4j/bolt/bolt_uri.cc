#include "feed/neo4j/bolt/bolt_uri.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/strings.h"

namespace retrain::bolt {
namespace {

struct SchemeInfo {
  std::string_view name;
  TlsMode tls;
  bool routing;
};
constexpr SchemeInfo kSchemes[] = {
    {"bolt", TlsMode::kNone, false},           {"bolt+s", TlsMode::kVerify, false},
    {"bolt+ssc", TlsMode::kSelfSigned, false}, {"neo4j", TlsMode::kNone, true},
    {"neo4j+s", TlsMode::kVerify, true},       {"neo4j+ssc", TlsMode::kSelfSigned, true},
};

}  // namespace

Result<BoltAddress> ParseBoltUri(std::string_view uri) {
  auto bad = [&](std::string why) {
    // The URI may carry a password: name only its scheme and host part.
    return Fail(ErrorCode::kInvalidArgument, "Invalid Neo4j URI: " + why + ".");
  };
  auto sep = uri.find("://");
  if (sep == std::string_view::npos) return bad("expected scheme://host[:port]");
  BoltAddress a;
  a.scheme = AsciiLower(uri.substr(0, sep));
  auto it = std::find_if(std::begin(kSchemes), std::end(kSchemes),
                         [&](const SchemeInfo& s) { return s.name == a.scheme; });
  if (it == std::end(kSchemes)) {
    return bad("scheme '" + a.scheme +
               "' is not one of bolt, bolt+s, bolt+ssc, neo4j, neo4j+s, neo4j+ssc");
  }
  a.tls = it->tls;
  a.routing = it->routing;
  std::string_view rest = uri.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = info.find(':');
    a.user = PercentDecodeLenient(info.substr(0, colon));
    if (colon != std::string_view::npos) a.password = PercentDecodeLenient(info.substr(colon + 1));
  }
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    a.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the IPv6 address");
      port_text = after.substr(1);
    }
  } else {
    auto colon = rest.rfind(':');
    a.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (a.host.empty()) return bad("the host is missing");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return bad("port '" + std::string(port_text) + "' is not a number from 1 to 65535");
    }
    a.port = static_cast<uint16_t>(port);
  }
  return a;
}

std::string FormatBoltUri(const BoltAddress& a) {
  std::string host = a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host;
  return a.scheme + "://" + host + ":" + std::to_string(a.port);
}

}  // namespace retrain::bolt
