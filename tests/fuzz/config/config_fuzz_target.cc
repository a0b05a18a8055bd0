// The two file formats a user or a feed hands retrain: the configuration (YAML, through
// ParseConfig: expansion, validation, every model's settings) and the seed's fixture files
// (JSON ingestion jobs, through FixtureFeed::ParseFile). The first byte picks the parser. Bad
// input must come back as an error naming what was wrong — never a crash, a hang or a leak.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config.h"
#include "feed/fixtures/fixture_feed.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace retrain;
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    ConfigInputs in;
    in.data_dir = "/nonexistent-fuzz";
    auto cfg = ParseConfig(text, "fuzz.yaml", in);
    if (!cfg && cfg.error().message.empty()) std::abort();  // an error must say what is wrong
  } else {
    auto records = FixtureFeed::ParseFile(text, "fuzz.json");
    if (!records && records.error().message.empty()) std::abort();
  }
  return 0;
}
