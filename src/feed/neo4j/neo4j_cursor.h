#pragma once
// Cursors of the Neo4j feed. The feed's order is (updated_at as an instant, elementId(n));
// a cursor spells one position of it as
//
//   "2026-11-26T06:30:00.123456789Z|4:0f6c...:1234"
//
// the instant in UTC with exactly nine fraction digits (fixed width for years 0000-9999),
// a '|', then the node's element id. Because the time part has a fixed width, comparing two
// cursors as byte strings orders them exactly like the (instant, elementId) pairs, which is
// also how Cypher compares the element id strings. Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace retrain::neo4j {

struct FeedPosition {
  int64_t seconds = 0;      // UTC seconds since the epoch
  int64_t nanoseconds = 0;  // 0..999999999
  std::string element_id;
};

std::string EncodeCursor(const FeedPosition& position);
// Errors: kInvalidArgument when `cursor` is not of the form above.
[[nodiscard]] Result<FeedPosition> DecodeCursor(std::string_view cursor);

}  // namespace retrain::neo4j
