#pragma once
// The automatic trigger pass: counts every model's unseen records in one feed call and starts a
// job for each model whose policy fires (JobCommands::TriggerAutomatic). Also keeps the
// retrain_unseen_records gauge. Called by the trigger loop (Loops) and by tests; one caller at
// a time.

#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/model.h"
#include "core/time.h"
#include "feed/feed_source.h"
#include "orchestrator/commands.h"
#include "orchestrator/drift_monitor.h"
#include "orchestrator/read_models.h"

namespace retrain {

class AutoTrigger {
 public:
  // `automatic` false: count (for the gauge) but never start a job. `drift` (may be null)
  // measures the models with trigger.drift on every pass.
  AutoTrigger(bool automatic, const std::vector<ModelSettings>& models, FeedSource& feed,
              ReadModels& reads, JobCommands& commands, const Clock& clock,
              MetricsRegistry& metrics, DriftMonitor* drift = nullptr);

  void RunOnce();

 private:
  const bool automatic_;
  const std::vector<ModelSettings>& models_;
  FeedSource& feed_;
  ReadModels& reads_;
  JobCommands& commands_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  DriftMonitor* drift_;
  std::string last_feed_error_;  // the feed failure last logged: said once, not once per pass
};

}  // namespace retrain
