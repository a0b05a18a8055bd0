// The plain parts of the HTTP server's request type: header and query lookup, query-string
// parsing and percent-decoding. No Beast here, so the API layer's tests link only this logic.

#include "core/strings.h"
#include "http/server.h"

namespace retrain {
namespace {

// Decodes one query component: '+' is a space, %XX escapes are decoded. A malformed escape
// leaves the component as sent (with '+' still turned into spaces).
std::string DecodeQueryComponent(std::string_view in) {
  std::string spaced(in);
  for (char& c : spaced) {
    if (c == '+') c = ' ';
  }
  std::string out;
  if (!PercentDecode(spaced, &out)) return spaced;
  return out;
}

}  // namespace

std::string Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::optional<std::string> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(DecodeQueryComponent(piece), std::string{});
    } else {
      out.emplace_back(DecodeQueryComponent(piece.substr(0, eq)),
                       DecodeQueryComponent(piece.substr(eq + 1)));
    }
  }
  return out;
}

}  // namespace retrain
