#include "orchestrator/drift_monitor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace retrain {

std::optional<DriftSignal> DriftStatus::Signal() const {
  if (features.empty()) return std::nullopt;
  return DriftSignal{features.front().feature, features.front().psi, records};
}

DriftMonitor::DriftMonitor(DriftMonitorOptions options, const std::vector<ModelSettings>& models,
                           FeedSource& feed, ModelRegistry* registry, ArtifactReader* reader,
                           const Clock& clock, MetricsRegistry& metrics)
    : options_(options),
      models_(models),
      feed_(feed),
      registry_(registry),
      reader_(reader),
      clock_(clock),
      metrics_(metrics) {
  metrics_.DeclareGauge("retrain_feature_psi",
                        "Population stability index of a feature between the champion's training "
                        "data and the unseen records, per model with trigger.drift.");
}

void DriftMonitor::Reset(Tracked& t, const std::string& watermark) {
  t.watermark = watermark;
  t.scanned = watermark;
  t.records = 0;
  for (auto& [name, c] : t.counts) std::fill(c.begin(), c.end(), 0);
}

bool DriftMonitor::Refresh(const ModelSettings& m, Tracked& t, bool watermark_moved) {
  const int64_t now = clock_.NowMs();
  if (!watermark_moved && t.checked_ms >= 0 && now - t.checked_ms < options_.recheck_ms) {
    return t.have_reference;
  }
  t.checked_ms = now;
  auto forget = [&](std::string note) {
    t.have_reference = false;
    t.version.clear();
    t.reference.clear();
    t.counts.clear();
    t.note = std::move(note);
    return false;
  };
  if (registry_ == nullptr || reader_ == nullptr) {
    return forget("no model registry is configured, so there is no champion to compare with");
  }
  auto champion = registry_->GetByAlias(m.id, kChampionAliasName);
  if (!champion) {
    if (champion.error().code == ErrorCode::kNotFound) {
      return forget("no champion yet: the first version becomes the reference");
    }
    // The registry is down: keep the reading we have and try again next time.
    spdlog::warn("drift: model {}: cannot look up the champion: {}", m.id,
                 champion.error().message);
    if (!t.have_reference) t.note = "cannot look up the champion: " + champion.error().message;
    return t.have_reference;
  }
  if (!*champion) return forget("no champion yet: the first version becomes the reference");
  if (t.have_reference && (*champion)->version == t.version) return true;

  auto text = reader_->ReadArtifact((*champion)->run_id, kFeatureSummaryArtifactPath);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return forget("champion version " + (*champion)->version + " has no " +
                    kFeatureSummaryArtifactPath + " (its trainer did not save one)");
    }
    spdlog::warn("drift: model {}: cannot read the champion's feature summary: {}", m.id,
                 text.error().message);
    if (!t.have_reference) t.note = "cannot read the champion's feature summary";
    return t.have_reference;
  }
  auto summary = DecodeFeatureSummary(*text);
  if (!summary) {
    return forget("champion version " + (*champion)->version + ": " + summary.error().message);
  }
  std::map<std::string, FeatureHistogram> reference;
  std::vector<std::string> absent;
  if (m.drift->features.empty()) {
    reference = std::move(summary->features);
  } else {
    for (const auto& f : m.drift->features) {
      auto it = summary->features.find(f);
      if (it == summary->features.end()) {
        absent.push_back(f);
      } else {
        reference.emplace(f, std::move(it->second));
      }
    }
  }
  if (reference.empty()) {
    return forget("the champion's feature summary has none of the watched features");
  }
  t.have_reference = true;
  t.version = (*champion)->version;
  t.reference = std::move(reference);
  t.counts.clear();
  for (const auto& [name, h] : t.reference) t.counts[name].assign(h.counts.size(), 0);
  t.note.clear();
  if (!absent.empty()) {
    std::string list;
    for (const auto& f : absent) list += (list.empty() ? "" : ", ") + f;
    t.note = "not in the champion's training data: " + list;
  }
  Reset(t, t.watermark);
  spdlog::info("drift: model {}: comparing unseen records with champion version {} ({} features)",
               m.id, t.version, t.reference.size());
  return true;
}

DriftStatus DriftMonitor::Measure(const ModelSettings& m, const Tracked& t) {
  DriftStatus s;
  s.watermark = t.watermark;
  s.champion_version = t.version;
  s.records = t.records;
  s.note = t.note;
  if (!t.have_reference) return s;
  for (const auto& [name, h] : t.reference) {
    const auto& c = t.counts.at(name);
    FeatureDrift f;
    f.feature = name;
    for (int64_t n : c) f.records += n;
    f.psi = PopulationStabilityIndex(h.counts, c);
    metrics_.Set("retrain_feature_psi", {{"model", m.id}, {"feature", name}}, f.psi);
    s.features.push_back(std::move(f));
  }
  std::stable_sort(s.features.begin(), s.features.end(),
                   [](const FeatureDrift& a, const FeatureDrift& b) { return a.psi > b.psi; });
  return s;
}

void DriftMonitor::Update(std::span<const UnseenQuery> queries, std::string_view head) {
  for (size_t i = 0; i < models_.size() && i < queries.size(); ++i) {
    const ModelSettings& m = models_[i];
    if (!m.drift) continue;
    auto [it, fresh] = tracked_.try_emplace(m.id);
    Tracked& t = it->second;
    const bool moved = fresh || t.watermark != queries[i].after;
    if (moved) Reset(t, queries[i].after);
    if (Refresh(m, t, moved) && !head.empty() && t.scanned != head) {
      std::string last = t.scanned;
      int64_t binned = 0;
      auto scanned = feed_.Scan(queries[i].filter, t.scanned, head, [&](const FeedRecord& r) {
        last = r.cursor;
        ++binned;
        auto payload = nlohmann::json::parse(r.payload_json, nullptr, false);
        if (!payload.is_object()) return true;
        for (auto& [name, counts] : t.counts) {
          auto f = payload.find(name);
          if (f == payload.end() || !f->is_number()) continue;
          ++counts[t.reference.at(name).Bin(f->get<double>())];
        }
        return true;
      });
      if (scanned) {
        t.scanned = std::string(head);
      } else {
        spdlog::warn("drift: model {}: reading new records failed: {}", m.id,
                     scanned.error().message);
        t.scanned = last;  // what was binned stays binned; the rest comes next pass
      }
      t.records += binned;
    }
    DriftStatus status = Measure(m, t);
    std::lock_guard<std::mutex> lock(mu_);
    status_[m.id] = std::move(status);
  }
}

std::optional<DriftStatus> DriftMonitor::Status(std::string_view model_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = status_.find(model_id);
  if (it == status_.end()) return std::nullopt;
  return it->second;
}

}  // namespace retrain
