#include "orchestrator/auto_trigger.h"

#include <spdlog/spdlog.h>

namespace retrain {

AutoTrigger::AutoTrigger(bool automatic, const std::vector<ModelSettings>& models, FeedSource& feed,
                         ReadModels& reads, JobCommands& commands, const Clock& clock,
                         MetricsRegistry& metrics, DriftMonitor* drift)
    : automatic_(automatic),
      models_(models),
      feed_(feed),
      reads_(reads),
      commands_(commands),
      clock_(clock),
      metrics_(metrics),
      drift_(drift) {
  metrics_.DeclareGauge("retrain_unseen_records", "Feed records not yet trained on, per model.");
  metrics_.DeclareGauge("retrain_loop_last_tick_timestamp_seconds",
                        "Unix time of the last completed pass of each loop.");
}

void AutoTrigger::RunOnce() {
  auto head = feed_.Head();
  if (!head) {
    // Said once per outage: a cause that changes while the feed stays down is not news.
    if (last_feed_error_.empty()) {
      spdlog::warn("trigger: the feed is unavailable: {}", head.error().message);
      last_feed_error_ = head.error().message;
    }
    return;
  }
  // Every model's unseen records in one feed call (one pass over the feed for Neo4j).
  auto queries = reads_.UnseenQueries();
  if (!queries) {
    spdlog::warn("trigger: cannot read the models' watermarks: {}", queries.error().message);
    return;
  }
  auto counts = feed_.CountUnseenMany(*queries, *head);
  if (!counts) {
    if (last_feed_error_.empty()) {
      spdlog::warn("trigger: cannot count unseen records: {}", counts.error().message);
      last_feed_error_ = counts.error().message;
    }
    return;
  }
  if (!last_feed_error_.empty()) {
    spdlog::info("trigger: the feed is reachable again");
    last_feed_error_.clear();
  }
  // The drift models' new records, binned against the same snapshot end.
  if (drift_) drift_->Update(*queries, *head);
  for (size_t i = 0; i < models_.size(); ++i) {
    const ModelSettings& m = models_[i];
    if (automatic_) {
      CountedUnseen counted{(*queries)[i].after, (*counts)[i], std::nullopt};
      if (m.drift && drift_) {
        auto status = drift_->Status(m.id);
        if (status) counted.drift = status->SignalAfter(counted.watermark);
      }
      auto job = commands_.TriggerAutomatic(m, counted);
      if (!job && job.error().code != ErrorCode::kFailedPrecondition) {
        spdlog::warn("trigger: model {}: {}", m.id, job.error().message);
      }
    }
    metrics_.Set("retrain_unseen_records", {{"model", m.id}},
                 static_cast<double>((*counts)[i].count));
  }
  metrics_.Set("retrain_loop_last_tick_timestamp_seconds", {{"loop", "trigger"}},
               static_cast<double>(clock_.NowMs()) / 1000.0);
}

}  // namespace retrain
