#include "text_entry.h"

#include <string_view>

#include "api/cursor.h"
#include "core/time.h"
#include "orchestrator/cron.h"

namespace retrain::fuzz {

std::string CheckText(const uint8_t* data, size_t size) {
  if (size == 0) return "";
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto ms = ParseRfc3339(text);
      if (!ms) return "";
      std::string again = FormatRfc3339(*ms);
      auto back = ParseRfc3339(again);
      if (!back || *back != *ms) return "RFC 3339 round trip changed " + again;
      return "";
    }
    case 1: {
      auto ms = ParseDurationMs(text);
      if (!ms) return "";
      if (*ms < 0) return "negative duration accepted";
      std::string again = FormatDuration(*ms);
      auto back = ParseDurationMs(again);
      if (!back || *back != *ms) return "duration round trip changed " + again;
      return "";
    }
    case 2: {
      auto cron = CronSchedule::Parse(text);
      if (!cron) return "";
      constexpr int64_t kT = 1795674600000;  // 2026-11-26T06:30:00Z
      int64_t next = cron->NextAfter(kT + 12'345);
      if (next != -1 && (next <= kT + 12'345 || next % 60'000 != 0)) {
        return "NextAfter gave " + std::to_string(next);
      }
      return "";
    }
    default: {
      auto seq = DecodeCursor(text);
      if (!seq) return "";
      auto back = DecodeCursor(EncodeCursor(*seq));
      if (!back || *back != *seq) return "cursor round trip changed " + std::to_string(*seq);
      return "";
    }
  }
}

}  // namespace retrain::fuzz
