// Runs the fuzz entry point (tests/fuzz/graphql) over the conformance corpus, the inputs of past
// findings (tests/fuzz/graphql/regressions) and seeded random mutations of them, for a bounded
// count, in every unit run; tests/fuzz/run drives the same entry point with libFuzzer.
// GRAPHQL_FUZZ_ITERATIONS overrides the count.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "fuzz_entry.h"

namespace retrain::graphql {
namespace {

std::vector<std::string> Corpus() {
  std::vector<std::string> out;
  // The conformance corpus and the inputs of past fuzz findings.
  for (std::string dir : {std::string(GRAPHQL_TEST_DIR) + "/corpus",
                          std::string(GRAPHQL_FUZZ_DIR) + "/regressions"}) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Mutate(std::string s, std::mt19937& rng, const std::vector<std::string>& corpus) {
  static const std::string kPieces[] = {"{",
                                        "}",
                                        "(",
                                        ")",
                                        "...",
                                        "$",
                                        "@skip(if: true)",
                                        "\"",
                                        "\"\"\"",
                                        "fragment F on Query { a }",
                                        "...F",
                                        ":",
                                        "[",
                                        "]",
                                        "!",
                                        "#",
                                        "\\u",
                                        "1e",
                                        "-",
                                        "on",
                                        "query",
                                        "\xff",
                                        "\xC3",
                                        "\n",
                                        "__typename"};
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 5) {
      case 0:
        if (!s.empty() && pos < s.size()) s.erase(pos, 1 + rng() % 8);
        break;
      case 1:
        s.insert(pos, kPieces[rng() % std::size(kPieces)]);
        break;
      case 2:
        if (pos < s.size()) s[pos] = static_cast<char>(rng() % 256);
        break;
      case 3: {
        const std::string& o = corpus[rng() % corpus.size()];
        size_t from = o.empty() ? 0 : rng() % o.size();
        s.insert(pos, o.substr(from, rng() % 40));
        break;
      }
      case 4:
        s += s.substr(0, std::min<size_t>(s.size(), 64));
        break;
    }
  }
  return s;
}

TEST(FuzzSmoke, CorpusAndMutationsDoNotCrash) {
  auto corpus = Corpus();
  ASSERT_GT(corpus.size(), 100u);
  for (const auto& doc : corpus)
    fuzz::RunOne(reinterpret_cast<const uint8_t*>(doc.data()), doc.size());
  long iterations = 3000;
  if (const char* env = std::getenv("GRAPHQL_FUZZ_ITERATIONS")) iterations = std::atol(env);
  std::mt19937 rng(12345);
  for (long i = 0; i < iterations; ++i) {
    std::string input = Mutate(corpus[rng() % corpus.size()], rng, corpus);
    fuzz::RunOne(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
}

}  // namespace
}  // namespace retrain::graphql
