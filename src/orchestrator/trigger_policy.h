#pragma once
// When does a model get a job? A pure function of the model's settings, what lies unseen in the
// feed, the model's last job and the time, so it is tested on simulated time.
//
// Automatic: no active job, at least one unseen record, cooldown over, and one of
//   - unseen >= minRecords                              ("threshold")
//   - maxWait set and the oldest unseen record is older ("max_wait")
//   - trigger.drift set, at least drift.minRecords unseen and a watched feature's PSI against the
//     champion's training data at drift.threshold or above                   ("drift")
//   - schedule set and a cron time passed since `since` ("schedule")
// Manual (REST, GraphQL, CLI): no active job and unseen >= minRecords, or >= 1 with force.
// Manual requests are explicit and skip cooldown, maxWait and schedule.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/job.h"
#include "core/model.h"
#include "feed/feed_source.h"

namespace retrain {

// The drift monitor's reading for a model (drift_monitor.h): its most drifted watched feature.
struct DriftSignal {
  std::string feature;
  double psi = 0;
  int64_t records = 0;  // unseen records it was measured on
};

struct TriggerInputs {
  const ModelSettings* model = nullptr;
  UnseenSummary unseen;
  std::optional<std::string> active_job_id;
  std::optional<int64_t> last_job_scheduled_ms;
  int64_t since_ms = 0;  // schedule baseline: max(last job, when the orchestrator started)
  int64_t now_ms = 0;
  bool manual = false;
  bool force = false;
  std::optional<DriftSignal> drift;  // for models with trigger.drift, when measured
};

// Why the trigger fires (the first five) or holds back (the rest).
enum class TriggerReason {
  kThreshold,         // unseen >= minRecords
  kMaxWait,           // the oldest unseen record waited maxWait
  kSchedule,          // a cron time passed
  kForced,            // a manual request with force, below minRecords
  kDrift,             // a watched feature's PSI reached trigger.drift.threshold
  kJobActive,         // the model has an active job
  kNoData,            // no unseen records
  kInsufficientData,  // fewer unseen records than needed
  kCooldown,          // the last job started less than cooldown ago
};

// "threshold", "max_wait", "schedule", "forced", "drift", "job_active", "no_data",
// "insufficient_data", "cooldown": the names the API shows.
std::string_view ToString(TriggerReason reason);

struct TriggerDecision {
  bool fire = false;
  TriggerReason reason = TriggerReason::kNoData;
  std::string explanation;  // one sentence for people
  int64_t threshold = 0;    // records needed (minRecords, or 1 when forced)
  int64_t cooldown_left_ms = 0;
  std::optional<int64_t> oldest_unseen_age_ms;
  std::optional<int64_t> next_schedule_ms;
};

TriggerDecision DecideTrigger(const TriggerInputs& in);

// The inputs for `model` from what the store and the feed say now; `started_ms` is when the
// orchestrator started (the schedule's baseline before the model's first job).
TriggerInputs MakeTriggerInputs(const ModelSettings& model, const UnseenSummary& unseen,
                                const std::optional<Job>& active_job,
                                const std::optional<Job>& last_job, int64_t started_ms,
                                int64_t now_ms);

}  // namespace retrain
