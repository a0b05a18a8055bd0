#pragma once
// Champions: each model's `champion` alias in the MLflow registry and the promotion history
// that explains it — which version was champion from when to when, and why.
//
// Three kinds of move are recorded in the store's history (JobStore::AppendPromotion):
//   automatic  the worker's champion gate moved the alias; the reconciler records it once the
//              job completes (RecordAutomatic, keyed by the job id, so a retried finalize after a
//              crash never records it twice);
//   manual     an operator's Promote of a chosen version;
//   rollback   an operator's Rollback to the champion before the current one.
// A manual move goes registry first (alias, then the version tags `retrain.promoted_by`,
// `retrain.promotion_reason`, `retrain.promoted_at`), history last: a move interrupted between
// the two is completed by repeating it (the alias is already there; the history entry is added).
//
// Thread-safety: every method may be called from any thread; moves run one at a time.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/job.h"
#include "core/model.h"
#include "core/promotion.h"
#include "core/time.h"
#include "store/job_store.h"
#include "tracking/tracker.h"

namespace retrain {

inline constexpr const char* kChampionAliasName = "champion";
inline constexpr size_t kMaxPromotionReason = 1000;

// A history entry with the time range it covers.
struct ChampionPeriod {
  Promotion promotion;           // from = promotion.at_ms
  std::optional<int64_t> to_ms;  // when the next move replaced it; nullopt for the newest entry
  bool current = false;          // the newest entry: the champion as far as retrain knows
};

struct ChampionMove {
  Promotion promotion;  // the entry appended, or (no change) the current one
  bool changed = true;  // false: the version already was the champion; nothing was written
  std::string message;  // one sentence saying what happened
};

class Champions {
 public:
  // All references must outlive this object. `registry` may be null (no model registry): moves
  // then fail with kFailedPrecondition "no_registry"; the history still reads. RecordAutomatic
  // writes through `automatic_store` when given (the leader's fenced view: it runs in the
  // reconcile loop), manual moves through `store`.
  Champions(const std::vector<ModelSettings>& models, JobStore& store, ModelRegistry* registry,
            const Clock& clock, JobStore* automatic_store = nullptr);

  // The model's history, newest first, at most `limit` (1..500) entries.
  // Errors: kNotFound "unknown_model"; the store's errors.
  [[nodiscard]] Result<std::vector<ChampionPeriod>> History(const std::string& model_id,
                                                            int limit = 50);

  // Points the alias at `version` and records a manual move. Promoting the current champion is
  // a no-op (changed = false, nothing appended). Errors: kNotFound "unknown_model" or
  // "version_not_found" (details modelId, version); kUnprocessable "invalid_value" (details
  // field = reason) when the reason is empty or longer than kMaxPromotionReason;
  // kFailedPrecondition "no_registry"; kUnavailable when the registry or store is down.
  [[nodiscard]] Result<ChampionMove> Promote(const std::string& model_id,
                                             const std::string& version, const std::string& reason);

  // Moves the alias back to the champion before the current one, per the history: the newest
  // entry's previous version when the registry's champion is that entry's version, else the
  // newest entry's version (the alias was moved outside the history, e.g. by a worker whose job
  // is not recorded yet). A second rollback therefore undoes the first. Errors as Promote, and
  // kFailedPrecondition "no_previous_champion" when the history names no other version (or it
  // no longer exists in the registry).
  [[nodiscard]] Result<ChampionMove> Rollback(const std::string& model_id,
                                              const std::string& reason);

  // For a completed job whose final metrics say its worker promoted (`promoted` = 1 or
  // `champion_promoted` = 1), appends the automatic entry once per job: the version from metric
  // `model_version`, else the registry's current champion (skipped without a registry or an
  // alias). Idempotent. Errors: kUnavailable when the registry or the store is down (retry).
  [[nodiscard]] Status RecordAutomatic(const Job& job);

 private:
  Result<const ModelSettings*> CheckMove(const std::string& model_id, const std::string& reason);
  // Registry first, then the history. `current` is the registry's champion before the move.
  Result<ChampionMove> Move(const std::string& model_id, const std::string& version,
                            const std::optional<ModelVersion>& current, PromotionSource source,
                            const std::string& reason);

  const std::vector<ModelSettings>& models_;
  JobStore& store_;
  JobStore& automatic_store_;
  ModelRegistry* registry_;
  const Clock& clock_;
  std::mutex mu_;  // one move at a time, so that the history follows the registry's order
};

}  // namespace retrain
