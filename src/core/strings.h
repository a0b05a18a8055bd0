#pragma once
// Small ASCII string helpers shared by the parsers, the HTTP layer and the adapters. Locale-free:
// only the 26 ASCII letters change case and only space, tab, CR and LF count as whitespace.
// Thread-safe (pure functions).

#include <string>
#include <string_view>

namespace retrain {

// `s` with A-Z mapped to a-z; every other byte unchanged.
std::string AsciiLower(std::string_view s);

// `s` with a-z mapped to A-Z; every other byte unchanged.
std::string AsciiUpper(std::string_view s);

// True when `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// `s` without leading and trailing spaces, tabs, CRs and LFs.
std::string_view TrimView(std::string_view s);
inline std::string Trim(std::string_view s) { return std::string(TrimView(s)); }

// Percent-encodes every byte except the RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~),
// so the result is safe as one path segment or query component. `keep` lists further bytes to
// leave as they are (e.g. "/" to encode a whole path).
std::string PercentEncode(std::string_view s, std::string_view keep = {});

// Decodes %XX escapes (either hex case). Returns false, leaving *out untouched, on a '%' that
// is not followed by two hex digits. '+' is left as it is (form decoding is the caller's).
bool PercentDecode(std::string_view in, std::string* out);

// Decodes the well-formed %XX escapes and keeps any malformed one literally.
std::string PercentDecodeLenient(std::string_view in);

}  // namespace retrain
