#include "orchestrator/champions.h"

#include <spdlog/spdlog.h>

#include <cmath>

namespace retrain {

namespace {

Error UnknownModel(const std::string& model_id) {
  Error e = Fail(ErrorCode::kNotFound, "no model with id '" + model_id + "' is configured",
                 "unknown_model")
                .error();
  e.With("modelId", model_id);
  return e;
}

Error VersionNotFound(const std::string& model_id, const std::string& version) {
  Error e = Fail(ErrorCode::kNotFound,
                 "model " + model_id + " has no registered version '" + version + "'",
                 "version_not_found")
                .error();
  e.With("modelId", model_id);
  e.With("version", version);
  return e;
}

Error NoPreviousChampion(const std::string& model_id, const std::string& why) {
  Error e = Fail(ErrorCode::kFailedPrecondition,
                 "model " + model_id + " cannot be rolled back: " + why, "no_previous_champion")
                .error();
  e.With("modelId", model_id);
  return e;
}

Error InvalidReason(std::string message) {
  Error e = Fail(ErrorCode::kUnprocessable, std::move(message), "invalid_value").error();
  e.With("field", "reason");
  return e;
}

bool IsBlank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

bool MetricIsOne(const Job& job, const char* name) {
  auto it = job.metrics.find(name);
  return it != job.metrics.end() && it->second == 1.0;
}

// Metric `model_version` as the registry's version string ("3"), when it is a whole number.
std::optional<std::string> ReportedVersion(const Job& job) {
  auto it = job.metrics.find("model_version");
  if (it == job.metrics.end()) return std::nullopt;
  double v = it->second;
  if (!std::isfinite(v) || v < 1 || v > 1e15 || v != std::floor(v)) return std::nullopt;
  return std::to_string(static_cast<int64_t>(v));
}

std::string Cut(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // whole UTF-8 chars
  return s.substr(0, n);
}

}  // namespace

Champions::Champions(const std::vector<ModelSettings>& models, JobStore& store,
                     ModelRegistry* registry, const Clock& clock, JobStore* automatic_store)
    : models_(models),
      store_(store),
      automatic_store_(automatic_store ? *automatic_store : store),
      registry_(registry),
      clock_(clock) {}

Result<std::vector<ChampionPeriod>> Champions::History(const std::string& model_id, int limit) {
  if (!FindModel(models_, model_id)) return std::unexpected(UnknownModel(model_id));
  auto entries = store_.ListPromotions(model_id, limit);
  if (!entries) return std::unexpected(entries.error());
  std::vector<ChampionPeriod> out;
  out.reserve(entries->size());
  std::optional<int64_t> next_from;  // `from` of the newer entry
  for (auto& p : *entries) {
    ChampionPeriod period;
    period.current = out.empty();
    period.to_ms = next_from;
    next_from = p.at_ms;
    period.promotion = std::move(p);
    out.push_back(std::move(period));
  }
  return out;
}

Result<const ModelSettings*> Champions::CheckMove(const std::string& model_id,
                                                  const std::string& reason) {
  const ModelSettings* m = FindModel(models_, model_id);
  if (!m) return std::unexpected(UnknownModel(model_id));
  if (IsBlank(reason)) {
    return std::unexpected(InvalidReason("'reason' is required: say why the champion moves"));
  }
  if (reason.size() > kMaxPromotionReason) {
    return std::unexpected(InvalidReason("'reason' must be at most " +
                                         std::to_string(kMaxPromotionReason) + " characters"));
  }
  if (!registry_) {
    return Fail(ErrorCode::kFailedPrecondition,
                "this server has no model registry (MLflow tracking is off), so the champion "
                "cannot be moved",
                "no_registry");
  }
  return m;
}

Result<ChampionMove> Champions::Promote(const std::string& model_id, const std::string& version,
                                        const std::string& reason) {
  auto m = CheckMove(model_id, reason);
  if (!m) return std::unexpected(m.error());
  std::lock_guard lock(mu_);
  auto found = registry_->GetVersion(model_id, version);
  if (!found) {
    // The registered model itself does not exist yet: no version of it was ever registered.
    if (found.error().code == ErrorCode::kNotFound) {
      return std::unexpected(VersionNotFound(model_id, version));
    }
    return std::unexpected(found.error());
  }
  if (!*found) return std::unexpected(VersionNotFound(model_id, version));
  auto current = registry_->GetByAlias(model_id, kChampionAliasName);
  if (!current) return std::unexpected(current.error());
  return Move(model_id, version, *current, PromotionSource::kManual, reason);
}

Result<ChampionMove> Champions::Rollback(const std::string& model_id, const std::string& reason) {
  auto m = CheckMove(model_id, reason);
  if (!m) return std::unexpected(m.error());
  std::lock_guard lock(mu_);
  auto history = store_.ListPromotions(model_id, 1);
  if (!history) return std::unexpected(history.error());
  if (history->empty()) {
    return std::unexpected(NoPreviousChampion(model_id, "its promotion history is empty"));
  }
  const Promotion& newest = history->front();
  auto current = registry_->GetByAlias(model_id, kChampionAliasName);
  if (!current) {
    if (current.error().code == ErrorCode::kNotFound) {
      return std::unexpected(NoPreviousChampion(model_id, "it is not in the registry"));
    }
    return std::unexpected(current.error());
  }
  std::optional<std::string> target;
  if (*current && (*current)->version == newest.version) {
    target = newest.previous_version;
  } else {
    target = newest.version;  // the alias moved outside the history: back to the last known
  }
  if (!target || (*current && (*current)->version == *target)) {
    return std::unexpected(NoPreviousChampion(
        model_id, "no champion before version " + newest.version + " is recorded"));
  }
  auto exists = registry_->GetVersion(model_id, *target);
  if (!exists) return std::unexpected(exists.error());
  if (!*exists) {
    return std::unexpected(NoPreviousChampion(
        model_id, "the previous champion, version " + *target + ", no longer exists"));
  }
  return Move(model_id, *target, *current, PromotionSource::kRollback, reason);
}

Result<ChampionMove> Champions::Move(const std::string& model_id, const std::string& version,
                                     const std::optional<ModelVersion>& current,
                                     PromotionSource source, const std::string& reason) {
  const bool already = current && current->version == version;
  if (already) {
    auto newest = store_.ListPromotions(model_id, 1);
    if (!newest) return std::unexpected(newest.error());
    if (!newest->empty() && newest->front().version == version) {
      return ChampionMove{
          newest->front(), false,
          "version " + version + " of " + model_id + " already is the champion; nothing changed"};
    }
    // The alias is there but the history does not say so (an interrupted move, or a move made
    // outside retrain): complete the move below without touching the alias.
  }
  const int64_t now = clock_.NowMs();
  if (!already) {
    if (auto s = registry_->SetAlias(model_id, kChampionAliasName, version); !s) {
      return std::unexpected(s.error());
    }
  }
  for (const auto& [key, value] :
       {std::pair<const char*, std::string>{"retrain.promoted_by", std::string(ToString(source))},
        {"retrain.promotion_reason", reason},
        {"retrain.promoted_at", FormatRfc3339(now)}}) {
    if (auto s = registry_->SetVersionTag(model_id, version, key, value); !s) {
      return std::unexpected(s.error());
    }
  }
  Promotion p;
  p.model_id = model_id;
  p.version = version;
  if (current && !already) p.previous_version = current->version;  // else: from the history
  p.at_ms = now;
  p.source = source;
  p.reason = reason;
  auto stored = store_.AppendPromotion(p);
  if (!stored) return std::unexpected(stored.error());
  std::string from = stored->previous_version ? "version " + *stored->previous_version : "none";
  spdlog::info("champion of {} moved to version {} ({}; was {}): {}", model_id, version,
               ToString(source), from, reason);
  return ChampionMove{*stored, true,
                      "version " + version + " of " + model_id + " is now the champion (" +
                          std::string(ToString(source)) + "; previous champion: " + from + ")"};
}

Status Champions::RecordAutomatic(const Job& job) {
  if (job.status != JobStatus::kCompleted) return {};
  if (!MetricIsOne(job, "promoted") && !MetricIsOne(job, "champion_promoted")) return {};
  std::lock_guard lock(mu_);
  std::optional<std::string> version = ReportedVersion(job);
  if (!version) {
    if (!registry_) return {};
    auto champion = registry_->GetByAlias(job.model_id, kChampionAliasName);
    if (!champion) {
      if (champion.error().code == ErrorCode::kNotFound) return {};  // never registered
      return std::unexpected(champion.error());
    }
    if (!*champion) return {};
    version = (*champion)->version;
  }
  // The reason is the worker's own explanation of the decision (its last message).
  std::string reason;
  auto events = store_.ListEvents(job.id);
  if (!events) return std::unexpected(events.error());
  for (auto it = events->rbegin(); it != events->rend() && reason.empty(); ++it) {
    const bool reported = it->source == EventSource::kWorker || it->source == EventSource::kApi;
    if (reported && it->message) reason = *it->message;
  }
  if (reason.empty()) reason = "the champion gate of job " + job.id + " promoted it";
  Promotion p;
  p.model_id = job.model_id;
  p.version = *version;
  p.at_ms = job.completed_at_ms.value_or(clock_.NowMs());
  p.source = PromotionSource::kAutomatic;
  p.reason = Cut(std::move(reason), kMaxPromotionReason);
  p.job_id = job.id;
  bool appended = false;
  auto stored = automatic_store_.AppendPromotion(p, &appended);
  if (!stored) return std::unexpected(stored.error());
  if (appended) {
    spdlog::info("champion of {} is version {} (automatic, job {})", job.model_id, *version,
                 job.id);
  }
  return {};
}

}  // namespace retrain
