#pragma once
// Renders PackStream values as JSON and ISO 8601 text, as the feed's payloads need them.
//
// Temporal values become ISO strings in Neo4j's own notation: Date "2026-11-26",
// LocalTime "06:30:00.5", Time "06:30:00+01:00", LocalDateTime "2026-11-26T06:30:00",
// DateTime "2026-11-26T07:30:00+01:00" (local time with its offset; "Z" for UTC),
// DateTimeZoneId "2026-11-26T06:30:00Z[Europe/Paris]" (the UTC instant with the zone name:
// no time-zone database is consulted), Duration "P1Y2M3DT4H5M6.5S". Points become
// {"srid", "x", "y"[, "z"]}; bytes become base64 text; graph values become objects.
// Pure functions, thread-safe.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "feed/neo4j/bolt/packstream.h"

namespace retrain::neo4j {

// The JSON text of one value.
std::string ValueToJson(const bolt::Value& value);
// A JSON object of the dictionary's entries, leaving out the keys in `exclude`.
std::string DictToJson(const bolt::Dict& dict, std::initializer_list<std::string_view> exclude);
// ISO text of a temporal value; "" for any other type.
std::string TemporalToIso(const bolt::Value& value);
// "2026-11-26T06:30:00.123456789Z": UTC, always nine fraction digits (fixed width, so the
// text sorts like the instant for years 0000-9999).
std::string FixedWidthUtc(int64_t seconds, int64_t nanoseconds);

}  // namespace retrain::neo4j
