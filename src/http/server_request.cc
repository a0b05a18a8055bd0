// The plain parts of the HTTP server's request type: header and query lookup, query-string
// parsing and percent-decoding. No Beast here, so the API layer's tests link only this logic.

#include <cctype>

#include "http/server.h"

namespace retrain {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

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

bool PercentDecode(std::string_view in, std::string* out) {
  std::string decoded;
  decoded.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      decoded.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    decoded.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  *out = std::move(decoded);
  return true;
}

}  // namespace retrain
