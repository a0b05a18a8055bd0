#pragma once
// The fuzzing entry point shared by the libFuzzer target (clang) and the GoogleTest fallback:
// parses the input as a GraphQL document, checks the limits, validates it against the
// CONTRACT section 5 schema, and executes it when valid (resolvers return small fixed data).
// Must never crash, hang or leak for any input.

#include <cstddef>
#include <cstdint>

namespace retrain::graphql::fuzz {

// Returns 0 (libFuzzer's convention); the interesting outcome is not crashing.
int RunOne(const uint8_t* data, size_t size);

}  // namespace retrain::graphql::fuzz
