// PackStream against the byte examples of the Bolt/PackStream specification.
#include "feed/neo4j/bolt/packstream.h"

#include <gtest/gtest.h>

#include <limits>

namespace retrain::bolt {
namespace {

std::string Hex(const std::string& bytes) {
  static const char* d = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size() + 1;) {
    while (i < hex.size() && hex[i] == ' ') ++i;
    if (i >= hex.size()) break;
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

Value Decode(const std::string& bytes) {
  auto v = DecodeOne({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  EXPECT_TRUE(v.has_value()) << (v ? "" : v.error().message);
  return v ? *v : Value();
}

// Encodes `value`, checks the spec bytes, decodes them back and checks equality.
void Check(const Value& value, std::string_view hex) {
  EXPECT_EQ(Hex(Encode(value)), hex);
  EXPECT_EQ(Decode(Unhex(hex)), value) << hex;
}

TEST(PackStream, NullAndBooleans) {
  Check(Value(), "C0");
  Check(Value(true), "C3");
  Check(Value(false), "C2");
}

TEST(PackStream, IntegersUseTheSmallestEncoding) {
  Check(Value(int64_t{1}), "01");
  Check(Value(int64_t{42}), "2A");
  Check(Value(int64_t{127}), "7F");
  Check(Value(int64_t{-16}), "F0");
  Check(Value(int64_t{-1}), "FF");
  Check(Value(int64_t{-17}), "C8 EF");
  Check(Value(int64_t{-128}), "C8 80");
  Check(Value(int64_t{128}), "C9 00 80");
  Check(Value(int64_t{-129}), "C9 FF 7F");
  Check(Value(int64_t{32767}), "C9 7F FF");
  Check(Value(int64_t{32768}), "CA 00 00 80 00");
  Check(Value(int64_t{-32769}), "CA FF FF 7F FF");
  Check(Value(int64_t{2147483648}), "CB 00 00 00 00 80 00 00 00");
  Check(Value(std::numeric_limits<int64_t>::max()), "CB 7F FF FF FF FF FF FF FF");
  Check(Value(std::numeric_limits<int64_t>::min()), "CB 80 00 00 00 00 00 00 00");
}

TEST(PackStream, WideEncodingsOfSmallIntegersDecode) {
  EXPECT_EQ(Decode(Unhex("C8 01")), Value(int64_t{1}));
  EXPECT_EQ(Decode(Unhex("C9 00 01")), Value(int64_t{1}));
  EXPECT_EQ(Decode(Unhex("CA 00 00 00 01")), Value(int64_t{1}));
  EXPECT_EQ(Decode(Unhex("CB FF FF FF FF FF FF FF FF")), Value(int64_t{-1}));
}

TEST(PackStream, Floats) {
  Check(Value(1.23), "C1 3F F3 AE 14 7A E1 47 AE");
  Check(Value(-1.5), "C1 BF F8 00 00 00 00 00 00");
}

TEST(PackStream, Strings) {
  Check(Value(""), "80");
  Check(Value("A"), "81 41");
  Check(Value("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        "D0 1A 41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F 50 51 52 53 54 55 56 57 58 59 5A");
  Check(Value("Größenmaßstäbe"), "D0 12 47 72 C3 B6 C3 9F 65 6E 6D 61 C3 9F 73 74 C3 A4 62 65");
  std::string big(300, 'x');
  EXPECT_EQ(Hex(Encode(Value(big))).substr(0, 8), "D1 01 2C");
  EXPECT_EQ(Decode(Encode(Value(big))), Value(big));
  std::string huge(70000, 'y');
  EXPECT_EQ(Hex(Encode(Value(huge))).substr(0, 14), "D2 00 01 11 70");
  EXPECT_EQ(Decode(Encode(Value(huge))), Value(huge));
}

TEST(PackStream, Bytes) {
  Check(Value(Bytes{}), "CC 00");
  Check(Value(Bytes{{1, 2, 3}}), "CC 03 01 02 03");
  Bytes big{std::vector<uint8_t>(300, 7)};
  EXPECT_EQ(Hex(Encode(Value(big))).substr(0, 8), "CD 01 2C");
  EXPECT_EQ(Decode(Encode(Value(big))), Value(big));
}

TEST(PackStream, Lists) {
  Check(Value(List{}), "90");
  Check(Value(List{int64_t{1}, int64_t{2}, int64_t{3}}), "93 01 02 03");
  Check(Value(List{int64_t{1}, 2.0, "three"}),
        "93 01 C1 40 00 00 00 00 00 00 00 85 74 68 72 65 65");
  List forty;
  for (int i = 1; i <= 40; ++i) forty.emplace_back(int64_t{i});
  EXPECT_EQ(Hex(Encode(Value(forty))).substr(0, 8), "D4 28 01");
  EXPECT_EQ(Decode(Encode(Value(forty))), Value(forty));
}

TEST(PackStream, Dictionaries) {
  Check(Value(Dict{}), "A0");
  Check(Value(Dict{{"one", "eins"}}), "A1 83 6F 6E 65 84 65 69 6E 73");
  Dict many;
  for (char c = 'A'; c <= 'Z'; ++c) many.emplace_back(std::string(1, c), int64_t{c - 'A' + 1});
  EXPECT_EQ(Hex(Encode(Value(many))).substr(0, 11), "D8 1A 81 41");
  EXPECT_EQ(Decode(Encode(Value(many))), Value(many));
}

TEST(PackStream, GraphStructures) {
  Node n{1, {"Entity", "Thing"}, {{"x", int64_t{1}}}, "4:db:1"};
  Check(Value(n),
        "B4 4E 01 92 86 45 6E 74 69 74 79 85 54 68 69 6E 67 A1 81 78 01 86 34 3A 64 62 3A 31");
  Relationship r{7, 1, 2, "KNOWS", {}, "5:db:7", "4:db:1", "4:db:2"};
  EXPECT_EQ(Decode(Encode(Value(r))), Value(r));
  UnboundRelationship u{7, "KNOWS", {{"since", int64_t{1999}}}, "5:db:7"};
  EXPECT_EQ(Decode(Encode(Value(u))), Value(u));
  Path p{{n, Node{2, {}, {}, "4:db:2"}}, {u}, {1, 1}};
  EXPECT_EQ(Decode(Encode(Value(p))), Value(p));
  // Bolt 4.4 nodes have three fields (no element id).
  EXPECT_EQ(Decode(Unhex("B3 4E 01 90 A0")), Value(Node{1, {}, {}, ""}));
}

TEST(PackStream, TemporalAndSpatialStructures) {
  Check(Value(Date{19000}), "B1 44 C9 4A 38");
  Check(Value(Time{3600'000'000'000, 3600}), "B2 54 CB 00 00 03 46 30 B8 A0 00 C9 0E 10");
  Check(Value(LocalTime{1}), "B1 74 01");
  Check(Value(DateTime{1, 2, 0}), "B3 49 01 02 00");
  Check(Value(DateTimeZoneId{1, 2, "UTC"}), "B3 69 01 02 83 55 54 43");
  Check(Value(LocalDateTime{1, 2}), "B2 64 01 02");
  Check(Value(Duration{14, 16, 12, 0}), "B4 45 0E 10 0C 00");
  Check(Value(Point2D{4326, 1.0, 2.0}),
        "B3 58 C9 10 E6 C1 3F F0 00 00 00 00 00 00 C1 40 00 00 00 00 00 00 00");
  Point3D p3{9157, 1, 2, 3};
  EXPECT_EQ(Decode(Encode(Value(p3))), Value(p3));
  // Legacy (Bolt 4.4) DateTime carries local seconds; it decodes to the UTC instant.
  EXPECT_EQ(Decode(Unhex("B3 46 C9 0E 10 00 C9 0E 10")), Value(DateTime{0, 0, 3600}));
}

TEST(PackStream, UnknownStructuresStayGeneric) {
  EXPECT_EQ(Decode(Unhex("B2 7A 01 02")), Value(Structure{0x7A, {int64_t{1}, int64_t{2}}}));
}

TEST(PackStream, MalformedInputIsAnError) {
  for (std::string_view hex : {"", "C1 00", "D0 05 41", "93 01 02", "A1 01 02", "C4", "CC 02 01",
                               "B1 44 81 41", "B2 4E 01 02", "B3 58 01 02 03", "01 02"}) {
    std::string bytes = Unhex(hex);
    auto v = DecodeOne({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    ASSERT_FALSE(v.has_value()) << hex;
    EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(PackStream, DeepNestingIsRejected) {
  std::string bytes(1000, '\x91');
  bytes.push_back('\x01');
  auto v = DecodeOne({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  ASSERT_FALSE(v.has_value());
}

}  // namespace
}  // namespace retrain::bolt
