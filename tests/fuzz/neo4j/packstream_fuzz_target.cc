// libFuzzer entry point for the PackStream decoder (tests/fuzz/run): see packstream_entry.h.
#include <cstdio>
#include <cstdlib>

#include "packstream_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string broken = retrain::bolt::fuzz::CheckDecode(data, size);
  if (!broken.empty()) {
    std::fprintf(stderr, "PackStream property broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
