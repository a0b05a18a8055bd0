#pragma once
// The drift trigger's measurement: for every model with trigger.drift, the population stability
// index of each watched feature between the champion's training data and the model's unseen
// records (core/feature_summary.h).
//
// The reference is the feature summary the reference worker saved with the champion (artifact
// model/feature_summary.json of the run behind alias `champion`). The unseen side is kept
// incrementally: each pass bins only the records that landed since the last pass into the
// reference's bins. The counts start over (from the watermark) when the watermark moves — a job
// succeeded, so those records are no longer unseen — or when the champion changes; both read
// only unseen records, never the whole feed. The champion alias is looked up again when the
// watermark moves and otherwise every `recheck_ms` (a manual promote or rollback).
//
// Update is called by the trigger pass, one caller at a time; Status may be called from any
// thread and returns the last pass's reading. Also keeps retrain_feature_psi{model,feature}.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/feature_summary.h"
#include "core/metrics.h"
#include "core/model.h"
#include "core/time.h"
#include "feed/feed_source.h"
#include "orchestrator/champions.h"
#include "orchestrator/trigger_policy.h"
#include "tracking/tracker.h"

namespace retrain {

struct FeatureDrift {
  std::string feature;
  double psi = 0;
  int64_t records = 0;  // unseen records that have the feature
};

struct DriftStatus {
  std::string watermark;               // the records measured are those after it
  std::string champion_version;        // the reference; "" when there is none
  int64_t records = 0;                 // unseen records measured
  std::vector<FeatureDrift> features;  // watched features, highest PSI first
  std::string note;                    // why there is no reading, when there is none
  // The most drifted feature, when there is a reading.
  std::optional<DriftSignal> Signal() const;
  // Signal(), but only for a reading taken after `watermark` (one taken after another watermark
  // is about records that are no longer unseen).
  std::optional<DriftSignal> SignalAfter(std::string_view watermark) const {
    return watermark == this->watermark ? Signal() : std::nullopt;
  }
};

struct DriftMonitorOptions {
  int64_t recheck_ms = 30'000;  // how often the champion alias is looked up while nothing moves
};

class DriftMonitor {
 public:
  // `registry` and `reader` may be null (no tracking): every drift model then reads "no model
  // registry". All references must outlive the monitor.
  DriftMonitor(DriftMonitorOptions options, const std::vector<ModelSettings>& models,
               FeedSource& feed, ModelRegistry* registry, ArtifactReader* reader,
               const Clock& clock, MetricsRegistry& metrics);

  // Brings every drift model up to `head`; queries[i] is models[i]'s (filter, watermark).
  void Update(std::span<const UnseenQuery> queries, std::string_view head);

  // The last reading of `model_id`; nullopt for a model without trigger.drift or before the
  // first pass.
  std::optional<DriftStatus> Status(std::string_view model_id) const;

 private:
  struct Tracked {
    std::string watermark;
    std::string scanned;  // cursor of the last record binned ("" = none yet)
    bool have_reference = false;
    std::string version;
    int64_t checked_ms = -1;  // when the alias was last looked up
    // Watched features: the reference histogram and the unseen counts in its bins.
    std::map<std::string, FeatureHistogram> reference;
    std::map<std::string, std::vector<int64_t>> counts;
    int64_t records = 0;
    std::string note;
  };

  // Looks the champion up and loads its summary when it changed; false when there is none.
  bool Refresh(const ModelSettings& m, Tracked& t, bool watermark_moved);
  void Reset(Tracked& t, const std::string& watermark);
  DriftStatus Measure(const ModelSettings& m, const Tracked& t);

  const DriftMonitorOptions options_;
  const std::vector<ModelSettings>& models_;
  FeedSource& feed_;
  ModelRegistry* registry_;
  ArtifactReader* reader_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  std::map<std::string, Tracked> tracked_;  // Update's working state (one caller at a time)
  mutable std::mutex mu_;                   // guards status_
  std::map<std::string, DriftStatus, std::less<>> status_;
};

}  // namespace retrain
