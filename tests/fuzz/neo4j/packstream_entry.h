#pragma once
// The PackStream decoder's fuzzing property, shared by the libFuzzer target (packstream_fuzz)
// and the seeded GoogleTest run (packstream_fuzz_test.cc): any byte string either decodes or is
// refused with kInvalidArgument (no crash, no hang, no read past the input, no allocation sized
// by an unchecked length), and whatever decodes survives an encode/decode round trip byte for
// byte.

#include <cstddef>
#include <cstdint>
#include <string>

namespace retrain::bolt::fuzz {

// Returns an empty string when the property holds, else what broke it.
std::string CheckDecode(const uint8_t* data, size_t size);

}  // namespace retrain::bolt::fuzz
