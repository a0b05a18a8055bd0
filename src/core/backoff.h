#pragma once
// Capped exponential backoff with "equal jitter": half of each delay fixed, half random, so that
// many clients retrying the same dependency spread out instead of arriving together.

#include <cstdint>

namespace retrain {

// The wait before retrying after the `failures`-th consecutive failure (1 for the first):
// d = min(cap_ms, base_ms * multiplier^(failures - 1)), then d/2 + (random mod (d - d/2 + 1)),
// i.e. a value in [d/2, d]. `random` is any uniformly distributed 64-bit value (the caller owns
// the generator, so tests can fix it). Pure; never overflows (d saturates at cap_ms).
int64_t BackoffDelayMs(int failures, int64_t base_ms, int64_t cap_ms, double multiplier,
                       uint64_t random);

}  // namespace retrain
