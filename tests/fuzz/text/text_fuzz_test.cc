// Seeded, bounded fuzz-style run of the text parsers' property (text_entry.h) over mutations of
// valid inputs and over the inputs of past findings (tests/fuzz/text/regressions), in every unit
// run; tests/fuzz/run drives the same property with libFuzzer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "text_entry.h"

namespace retrain {
namespace {

const std::vector<std::string>& Seeds() {
  static const std::vector<std::string> seeds = {
      std::string(1, '\0') + "2026-11-26T06:30:00Z",
      std::string(1, '\0') + "2026-11-26T06:30:00.123456+02:00",
      std::string(1, '\0') + "2026-11-26",
      std::string(1, '\0') + "1969-12-31T23:59:59.999-00:30",
      std::string(1, '\1') + "1h30m",
      std::string(1, '\1') + "250ms",
      std::string(1, '\1') + "2d",
      std::string(1, '\1') + "45",
      std::string(1, '\2') + "*/15 * * * 1-5",
      std::string(1, '\2') + "0 0 30 2 *",
      std::string(1, '\2') + "5,10-20/3 0-23/2 1 1,6,12 0,7",
      std::string(1, '\3') + "s9223372036854775807",
      std::string(1, '\3') + "s0",
  };
  return seeds;
}

std::string Check(const std::string& input) {
  return fuzz::CheckText(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

TEST(TextFuzz, Seeds) {
  for (const auto& s : Seeds()) EXPECT_EQ(Check(s), "") << s.substr(1);
}

TEST(TextFuzz, PastFindings) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(TEXT_FUZZ_DIR "/regressions")) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(Check(ss.str()), "") << e.path();
    ++n;
  }
  EXPECT_GT(n, 0);
}

TEST(TextFuzz, MutatedSeeds) {
  std::mt19937_64 rng(20261126);
  static const std::string kPieces[] = {"9",   "0", "-",  "+", ":",
                                        ".",   "*", "/",  ",", " ",
                                        "T",   "Z", "ms", "h", "99999999999999999999",
                                        "\xff"};
  for (int i = 0; i < 100000; ++i) {
    std::string s = Seeds()[rng() % Seeds().size()];
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) {
      size_t at = 1 + rng() % s.size();
      switch (rng() % 3) {
        case 0:
          if (at < s.size()) s[at] = static_cast<char>(rng());
          break;
        case 1:
          if (at < s.size()) s.erase(at, 1 + rng() % 3);
          break;
        default:
          s.insert(at, kPieces[rng() % std::size(kPieces)]);
      }
    }
    ASSERT_EQ(Check(s), "") << "input: " << s.substr(1);
  }
}

}  // namespace
}  // namespace retrain
