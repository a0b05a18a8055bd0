#pragma once
// One move of a model's `champion` alias, as the promotion history keeps it: which version
// became champion, which one it replaced, when, who moved it and why.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace retrain {

// Who moved the alias: the worker's champion gate after a job, an operator's promote, or an
// operator's rollback to the champion before the current one.
enum class PromotionSource { kAutomatic, kManual, kRollback };

inline std::string_view ToString(PromotionSource s) {
  switch (s) {
    case PromotionSource::kAutomatic:
      return "automatic";
    case PromotionSource::kManual:
      return "manual";
    case PromotionSource::kRollback:
      return "rollback";
  }
  return "automatic";
}

inline std::optional<PromotionSource> ParsePromotionSource(std::string_view s) {
  if (s == "automatic") return PromotionSource::kAutomatic;
  if (s == "manual") return PromotionSource::kManual;
  if (s == "rollback") return PromotionSource::kRollback;
  return std::nullopt;
}

struct Promotion {
  int64_t seq = 0;  // assigned by the store; later moves have larger seqs
  std::string model_id;
  std::string version;                          // the version that became champion
  std::optional<std::string> previous_version;  // the champion it replaced, if any
  int64_t at_ms = 0;                            // when the alias moved
  PromotionSource source = PromotionSource::kAutomatic;
  std::string reason;
  std::optional<std::string> job_id;  // the job whose worker promoted (automatic moves)
};

}  // namespace retrain
