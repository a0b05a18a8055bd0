// libFuzzer entry point for the text parsers (tests/fuzz/run): see text_entry.h.
#include <cstdio>
#include <cstdlib>

#include "text_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string broken = retrain::fuzz::CheckText(data, size);
  if (!broken.empty()) {
    std::fprintf(stderr, "text parser property broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
