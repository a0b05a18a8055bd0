#include "graphql/suggest.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>

#include "core/strings.h"

namespace retrain::graphql {
namespace {

std::optional<int> Distance(std::string_view input, std::string_view option, int threshold) {
  if (input == option) return 0;
  std::string a = AsciiLower(option);
  std::string b = AsciiLower(input);
  if (a == b) return 1;
  if (a.size() < b.size()) std::swap(a, b);
  int a_len = static_cast<int>(a.size());
  int b_len = static_cast<int>(b.size());
  if (a_len - b_len > threshold) return std::nullopt;
  std::array<std::vector<int>, 3> rows;
  for (auto& r : rows) r.assign(b_len + 1, 0);
  for (int j = 0; j <= b_len; ++j) rows[0][j] = j;
  for (int i = 1; i <= a_len; ++i) {
    auto& up = rows[(i - 1) % 3];
    auto& cur = rows[i % 3];
    int smallest = cur[0] = i;
    for (int j = 1; j <= b_len; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int cell = std::min({up[j] + 1, cur[j - 1] + 1, up[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cell = std::min(cell, rows[(i - 2) % 3][j - 2] + 1);
      }
      smallest = std::min(smallest, cell);
      cur[j] = cell;
    }
    if (smallest > threshold) return std::nullopt;
  }
  int d = rows[a_len % 3][b_len];
  if (d <= threshold) return d;
  return std::nullopt;
}

}  // namespace

int NaturalCompare(std::string_view a, std::string_view b) {
  size_t ai = 0, bi = 0;
  auto digit = [](std::string_view s, size_t i) {
    return i < s.size() && s[i] >= '0' && s[i] <= '9';
  };
  while (ai < a.size() && bi < b.size()) {
    if (digit(a, ai) && digit(b, bi)) {
      long long an = 0, bn = 0;
      do {
        an = an * 10 + (a[ai] - '0');
        ++ai;
      } while (digit(a, ai) && an > 0);
      do {
        bn = bn * 10 + (b[bi] - '0');
        ++bi;
      } while (digit(b, bi) && bn > 0);
      if (an != bn) return an < bn ? -1 : 1;
    } else {
      auto ac = static_cast<unsigned char>(a[ai]);
      auto bc = static_cast<unsigned char>(b[bi]);
      if (ac != bc) return ac < bc ? -1 : 1;
      ++ai;
      ++bi;
    }
  }
  return static_cast<int>(a.size()) - static_cast<int>(b.size());
}

std::vector<std::string> SuggestionList(std::string_view input,
                                        const std::vector<std::string>& options) {
  int threshold = static_cast<int>(input.size() * 0.4) + 1;
  std::map<std::string, int> by_distance;
  for (const auto& option : options) {
    if (auto d = Distance(input, option, threshold)) by_distance.emplace(option, *d);
  }
  std::vector<std::string> out;
  for (const auto& [k, d] : by_distance) out.push_back(k);
  std::stable_sort(out.begin(), out.end(), [&](const std::string& x, const std::string& y) {
    int dx = by_distance[x], dy = by_distance[y];
    if (dx != dy) return dx < dy;
    return NaturalCompare(x, y) < 0;
  });
  return out;
}

std::string DidYouMean(const std::vector<std::string>& suggestions, std::string_view sub_message) {
  if (suggestions.empty()) return "";
  std::string msg = " Did you mean ";
  if (!sub_message.empty()) msg += std::string(sub_message) + " ";
  std::vector<std::string> quoted;
  for (const auto& s : suggestions) quoted.push_back("\"" + s + "\"");
  if (quoted.size() == 1) return msg + quoted[0] + "?";
  if (quoted.size() == 2) return msg + quoted[0] + " or " + quoted[1] + "?";
  if (quoted.size() > 5) quoted.resize(5);
  std::string last = quoted.back();
  quoted.pop_back();
  for (size_t i = 0; i < quoted.size(); ++i) msg += (i ? ", " : "") + quoted[i];
  return msg + ", or " + last + "?";
}

}  // namespace retrain::graphql
