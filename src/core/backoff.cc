#include "core/backoff.h"

#include <algorithm>
#include <cmath>

namespace retrain {

int64_t BackoffDelayMs(int failures, int64_t base_ms, int64_t cap_ms, double multiplier,
                       uint64_t random) {
  double grown = static_cast<double>(std::max<int64_t>(base_ms, 0)) *
                 std::pow(multiplier, std::max(failures, 1) - 1);
  int64_t cap = std::max<int64_t>(cap_ms, 0);
  int64_t d = grown >= static_cast<double>(cap) ? cap : static_cast<int64_t>(grown);
  int64_t half = d / 2;
  return half + static_cast<int64_t>(random % static_cast<uint64_t>(d - half + 1));
}

}  // namespace retrain
