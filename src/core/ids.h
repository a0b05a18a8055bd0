#pragma once
// Identifiers and secrets.

#include <string>
#include <string_view>

namespace retrain {

// A new job id: 32 lower-case hex digits from a cryptographic random source.
std::string NewJobId();
// `bytes` random bytes from a cryptographic source, as lower-case hex.
std::string RandomHex(size_t bytes);
// SHA-256 of `data`, as lower-case hex.
std::string Sha256Hex(std::string_view data);
// HMAC-SHA256 of `message` under `key`, as lower-case hex.
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// Compares two strings in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace retrain
