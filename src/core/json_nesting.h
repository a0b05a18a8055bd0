#pragma once
// Bounding the nesting of JSON text from outside before it reaches a parser or a recursive walk
// over the parsed tree (a body of 40 KB can nest 20,000 levels deep).

#include <cstddef>
#include <optional>
#include <string_view>

namespace retrain {

// How deep arrays and objects may nest in a JSON body the API accepts.
inline constexpr int kMaxJsonNesting = 64;

// Scans `text` once, without recursion, and returns the byte offset of the first `[` or `{`
// that opens level `max_depth + 1`, or nullopt when the text never nests deeper than
// `max_depth`. Brackets inside strings (escapes included) are not counted. The text need not be
// valid JSON: the scan only bounds the parser's work, and the parser reports syntax errors.
// Pure; thread-safe.
std::optional<size_t> FindJsonNestingExcess(std::string_view text, int max_depth = kMaxJsonNesting);

}  // namespace retrain
