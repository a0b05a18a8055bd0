#pragma once
// "Did you mean ...?" suggestions, ranked as graphql-js ranks them (edit distance with
// transpositions, case changes counting as one edit, ties in natural order).

#include <string>
#include <string_view>
#include <vector>

namespace retrain::graphql {

// Options within edit distance floor(0.4 * |input|) + 1 of `input`, closest first.
std::vector<std::string> SuggestionList(std::string_view input,
                                        const std::vector<std::string>& options);
// " Did you mean "a", "b", or "c"?" (at most five), or "" when there are none. `sub_message`
// goes before the list: " Did you mean the enum value "A"?".
std::string DidYouMean(const std::vector<std::string>& suggestions,
                       std::string_view sub_message = {});
// Compares strings treating digit runs as numbers ("a2" < "a10"); <0, 0, >0.
int NaturalCompare(std::string_view a, std::string_view b);

}  // namespace retrain::graphql
