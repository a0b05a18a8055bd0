#include "tracking/mlflow_file/file_format.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/ids.h"
#include "core/strings.h"

namespace retrain::mlflow_file {

namespace {

bool HasBadSegment(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return true;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

int RunStatusCode(RunEndStatus status) {
  switch (status) {
    case RunEndStatus::kFinished:
      return 3;
    case RunEndStatus::kFailed:
      return 4;
    case RunEndStatus::kKilled:
      return 5;
  }
  return 3;
}

Status ValidateKey(std::string_view key, std::string_view what) {
  auto bad = [&](std::string why) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " key '" + std::string(key.substr(0, 300)) + "' " + why);
  };
  if (key.empty()) return bad("is empty");
  if (key.size() > kMaxKeyLength) return bad("is longer than 250 characters");
  for (unsigned char c : key) {
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/' || c == ' ' || c == ':'))
      return bad(
          "may only hold alphanumerics, underscores, dashes, periods, spaces, colons "
          "and slashes");
  }
  if (HasBadSegment(key))
    return bad(
        "is not a normalised path (leading, trailing or doubled '/', "
        "or a '.'/'..' segment)");
  return {};
}

Status ValidateArtifactPath(std::string_view path) {
  if (HasBadSegment(path) || path.find('\0') != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "artifact path '" + std::string(path.substr(0, 300)) +
                                                 "' must be relative without '.' or '..' segments");
  }
  return {};
}

Status ValidateModelName(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                "registered model name '" + std::string(name) + "' is empty or holds a '/'");
  }
  return {};
}

Status ValidateAlias(std::string_view alias) {
  bool ok = !alias.empty() && alias.size() <= 255;
  for (unsigned char c : alias) ok = ok && (std::isalnum(c) || c == '_' || c == '-');
  const std::string lower = AsciiLower(alias);
  bool reserved =
      lower == "latest" || (lower.size() > 1 && lower[0] == 'v' &&
                            lower.find_first_not_of("0123456789", 1) == std::string::npos);
  if (!ok || reserved) {
    return Fail(ErrorCode::kInvalidArgument,
                "alias '" + std::string(alias) +
                    "' must be letters, digits, '_' or '-' and not 'latest' or 'v<number>'");
  }
  return {};
}

std::string TruncateUtf8(std::string_view value, size_t max) {
  if (value.size() <= max) return std::string(value);
  size_t end = max;
  // Step back over continuation bytes so a multi-byte character is not split.
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return std::string(value.substr(0, end));
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Shortest round-trip digits, then Python's repr layout: fixed notation for exponents in
  // [-4, 16), scientific otherwise, always with a fractional part or exponent.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, end);
  size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exponent = std::atoi(sci.c_str() + e + 1);
  bool negative = mantissa.front() == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  std::string out;
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else {
      size_t int_len = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out = digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out = digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp_buf;
  }
  return negative ? "-" + out : out;
}

std::set<int64_t> MetricSteps(std::string_view content) {
  std::set<int64_t> steps;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    // Fields: timestamp, value, optional step (0 when absent).
    size_t first = line.find(' ');
    if (first == std::string_view::npos) continue;
    size_t second = line.find(' ', first + 1);
    int64_t step = 0;
    if (second != std::string_view::npos) {
      std::string_view s = line.substr(second + 1);
      while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
      std::from_chars(s.data(), s.data() + s.size(), step);
    }
    steps.insert(step);
  }
  return steps;
}

std::string NewExperimentId() {
  std::string hex = RandomHex(18);
  std::string id;
  for (size_t i = 0; i < 18; ++i) {
    int byte = std::stoi(hex.substr(i * 2, 2), nullptr, 16);
    int digit = i == 0 ? 1 + byte % 9 : byte % 10;  // no leading zero
    id.push_back(static_cast<char>('0' + digit));
  }
  return id;
}

std::string NewRunId() { return RandomHex(16); }

}  // namespace retrain::mlflow_file
