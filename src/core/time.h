#pragma once
// Time as milliseconds since the Unix epoch (UTC), an injectable clock, and RFC 3339 text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace retrain {

// The source of "now". Logic takes a Clock& so tests run on simulated time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

// The real wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
};

// A clock that moves only when told to. Not thread-safe; for tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_; }
  void Advance(int64_t ms) { now_ms_ += ms; }
  void Set(int64_t ms) { now_ms_ = ms; }

 private:
  int64_t now_ms_;
};

// "2026-11-26T06:30:00.000Z"
std::string FormatRfc3339(int64_t ms);
// "20261126063000" (UTC), as used in MLflow run names.
std::string FormatCompactUtc(int64_t ms);
// Parses RFC 3339 / ISO 8601 date-times: "2026-11-26T06:30:00Z", with optional fraction and
// numeric offset ("+02:00"), or a date alone ("2026-11-26"). Returns nullopt when malformed.
std::optional<int64_t> ParseRfc3339(std::string_view text);

// The longest duration ParseDurationMs accepts: 10^15 ms, about 31,700 years (a "never" in
// configuration terms; every FormatDuration of it parses back).
inline constexpr int64_t kMaxDurationMs = 1'000'000'000'000'000;

// Parses durations such as "250ms", "30s", "5m", "2h", "1d", "1h30m"; a bare number is
// seconds. Returns nullopt when malformed, negative or longer than kMaxDurationMs.
std::optional<int64_t> ParseDurationMs(std::string_view text);
// 90000 -> "1m30s"
std::string FormatDuration(int64_t ms);

}  // namespace retrain
