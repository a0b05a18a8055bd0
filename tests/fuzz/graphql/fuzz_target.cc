// libFuzzer entry point (built only with clang): see fuzz_entry.h.
#include "fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return retrain::graphql::fuzz::RunOne(data, size);
}
