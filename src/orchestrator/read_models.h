#pragma once
// What the API shows about models, computed from the store and the feed without changing
// anything: the per-model overview, the trigger preview (what the policy would decide now) and
// the unseen-count queries the trigger pass makes. Thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/job.h"
#include "core/model.h"
#include "core/time.h"
#include "feed/feed_source.h"
#include "orchestrator/drift_monitor.h"
#include "orchestrator/trigger_policy.h"
#include "store/job_store.h"

namespace retrain {

struct ModelOverview {
  const ModelSettings* model = nullptr;
  int64_t unseen_records = 0;
  std::optional<Job> active_job;
  std::optional<Job> last_job;
  std::optional<DriftStatus> drift;  // models with trigger.drift, once measured
};

struct TriggerPreview {
  const ModelSettings* model = nullptr;
  std::string watermark;
  UnseenSummary unseen;
  std::optional<std::string> active_job_id;
  TriggerDecision automatic;         // what the automatic trigger would do now
  TriggerDecision manual;            // what a manual request (without force) would do now
  std::optional<DriftStatus> drift;  // the drift monitor's last reading (trigger.drift)
};

class ReadModels {
 public:
  // All references must outlive this. `started_ms`: when the orchestrator started. `drift` (may
  // be null) gives the drift readings shown and used in previews.
  ReadModels(const std::vector<ModelSettings>& models, JobStore& store, FeedSource& feed,
             int64_t started_ms, const Clock& clock, const DriftMonitor* drift = nullptr);

  // Errors: kNotFound "unknown_model" (details modelId); the store's and the feed's.
  [[nodiscard]] Result<TriggerPreview> Preview(const std::string& model_id);
  // Every configured model, in configuration order, counted in one feed call.
  [[nodiscard]] Result<std::vector<ModelOverview>> Overview();
  // Every configured model's filter and watermark, in configuration order.
  [[nodiscard]] Result<std::vector<UnseenQuery>> UnseenQueries();

 private:
  const std::vector<ModelSettings>& models_;
  JobStore& store_;
  FeedSource& feed_;
  const int64_t started_ms_;
  const Clock& clock_;
  const DriftMonitor* drift_;
};

}  // namespace retrain
