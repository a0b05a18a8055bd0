// Seeded, bounded fuzz-style run of the PackStream property (packstream_entry.h) over random
// and mutated byte strings, in every unit run; tests/fuzz/run drives the same property with
// libFuzzer under AddressSanitizer.
#include <gtest/gtest.h>

#include <random>

#include "feed/neo4j/bolt/packstream.h"
#include "packstream_entry.h"

namespace retrain::bolt {
namespace {

std::vector<std::string> Seeds() {
  std::vector<Value> values = {
      Value(),
      Value(true),
      Value(int64_t{-129}),
      Value(int64_t{1} << 40),
      Value(1.5),
      Value("Größe"),
      Value(Bytes{{1, 2, 3}}),
      Value(List{int64_t{1}, "two", List{3.0}}),
      Value(Dict{{"a", Dict{{"b", List{}}}}}),
      Value(Node{1, {"Entity"}, {{"x", int64_t{1}}}, "4:x:1"}),
      Value(Relationship{1, 2, 3, "R", {}, "5:x:1", "4:x:2", "4:x:3"}),
      Value(Path{{Node{1, {}, {}, "a"}, Node{2, {}, {}, "b"}},
                 {UnboundRelationship{3, "R", {}, "c"}},
                 {1, 1}}),
      Value(Date{1}),
      Value(Time{1, 2}),
      Value(LocalTime{3}),
      Value(DateTime{1, 2, 3}),
      Value(DateTimeZoneId{1, 2, "Europe/Paris"}),
      Value(LocalDateTime{1, 2}),
      Value(Duration{1, 2, 3, 4}),
      Value(Point2D{1, 2, 3}),
      Value(Point3D{1, 2, 3, 4}),
  };
  std::vector<std::string> out;
  for (const auto& v : values) out.push_back(Encode(v));
  return out;
}

void Exercise(const std::string& bytes) {
  EXPECT_EQ(fuzz::CheckDecode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "")
      << "input of " << bytes.size() << " bytes";
}

TEST(PackStreamFuzz, RandomBytes) {
  std::mt19937_64 rng(20261126);
  for (int i = 0; i < 200000; ++i) {
    std::string bytes(rng() % 48, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    Exercise(bytes);
  }
}

TEST(PackStreamFuzz, MutatedValidValues) {
  std::mt19937_64 rng(7);
  auto seeds = Seeds();
  for (int i = 0; i < 200000; ++i) {
    std::string bytes = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:
          if (!bytes.empty()) bytes[rng() % bytes.size()] = static_cast<char>(rng());
          break;
        case 1:
          if (!bytes.empty()) bytes.erase(rng() % bytes.size(), 1 + rng() % 3);
          break;
        case 2:
          bytes.insert(bytes.begin() + static_cast<long>(rng() % (bytes.size() + 1)),
                       static_cast<char>(rng()));
          break;
        default:
          if (!bytes.empty()) bytes.resize(rng() % bytes.size());
      }
    }
    Exercise(bytes);
  }
}

TEST(PackStreamFuzz, HugeDeclaredSizesDoNotAllocate) {
  for (std::string bytes :
       {std::string("\xD6\xFF\xFF\xFF\xFF", 5), std::string("\xDA\xFF\xFF\xFF\xFF", 5),
        std::string("\xD2\xFF\xFF\xFF\xFF", 5), std::string("\xCE\xFF\xFF\xFF\xFF", 5)}) {
    auto v = DecodeOne({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    EXPECT_FALSE(v.has_value());
  }
}

}  // namespace
}  // namespace retrain::bolt
