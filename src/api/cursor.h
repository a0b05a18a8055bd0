#pragma once
// The opaque list cursor shared by REST (`nextCursor`, `?cursor=`) and GraphQL (`after`):
// "s<seq>" names the store's keyset position (JobFilter::before_seq / JobPage::next_before_seq).
// Clients treat it as opaque; only this server issues and reads it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace retrain {

inline std::string EncodeCursor(int64_t seq) { return "s" + std::to_string(seq); }

// The seq a cursor names; nullopt when `c` is not a cursor this server issues.
inline std::optional<int64_t> DecodeCursor(std::string_view c) {
  if (c.size() < 2 || c[0] != 's') return std::nullopt;
  int64_t v = 0;
  for (size_t i = 1; i < c.size(); ++i) {
    if (c[i] < '0' || c[i] > '9' || v > (INT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + (c[i] - '0');
  }
  return v;
}

}  // namespace retrain
