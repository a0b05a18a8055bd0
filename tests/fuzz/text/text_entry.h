#pragma once
// The fuzzing property of the small text parsers that read user input, shared by the libFuzzer
// target (text_fuzz) and the seeded GoogleTest run (tests/unit/config/text_fuzz_test.cc). The
// first byte picks the parser, the rest is its input:
//   0  ParseRfc3339: what parses formats back (FormatRfc3339) to text that parses to the same
//      instant
//   1  ParseDurationMs: what parses is >= 0 and survives FormatDuration -> ParseDurationMs
//   2  CronSchedule::Parse: a schedule's NextAfter(t) is a whole minute after t, or -1
//   3  the API list cursor: what decodes re-encodes to a cursor that decodes to the same seq
// Every input must be accepted or refused without a crash, a hang or undefined behaviour.

#include <cstddef>
#include <cstdint>
#include <string>

namespace retrain::fuzz {

// Returns an empty string when the property holds, else what broke it.
std::string CheckText(const uint8_t* data, size_t size);

}  // namespace retrain::fuzz
