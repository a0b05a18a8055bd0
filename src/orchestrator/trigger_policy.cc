#include "orchestrator/trigger_policy.h"

#include <algorithm>
#include <cstdio>

#include "core/time.h"
#include "orchestrator/cron.h"

namespace retrain {

std::string_view ToString(TriggerReason reason) {
  switch (reason) {
    case TriggerReason::kThreshold:
      return "threshold";
    case TriggerReason::kMaxWait:
      return "max_wait";
    case TriggerReason::kSchedule:
      return "schedule";
    case TriggerReason::kForced:
      return "forced";
    case TriggerReason::kDrift:
      return "drift";
    case TriggerReason::kJobActive:
      return "job_active";
    case TriggerReason::kNoData:
      return "no_data";
    case TriggerReason::kInsufficientData:
      return "insufficient_data";
    case TriggerReason::kCooldown:
      return "cooldown";
  }
  return "unknown";
}

TriggerInputs MakeTriggerInputs(const ModelSettings& model, const UnseenSummary& unseen,
                                const std::optional<Job>& active_job,
                                const std::optional<Job>& last_job, int64_t started_ms,
                                int64_t now_ms) {
  TriggerInputs in;
  in.model = &model;
  in.unseen = unseen;
  if (active_job) in.active_job_id = active_job->id;
  if (last_job) in.last_job_scheduled_ms = last_job->scheduled_at_ms;
  in.since_ms = std::max(started_ms, in.last_job_scheduled_ms.value_or(0));
  in.now_ms = now_ms;
  return in;
}

namespace {

std::string Psi(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// "; drift: ..." for a model whose drift rule did not fire ("" without trigger.drift).
std::string DriftNote(const TriggerInputs& in) {
  const ModelSettings& m = *in.model;
  if (!m.drift) return "";
  if (!in.drift) return "; drift: not measured yet";
  std::string s = "; drift: largest PSI " + Psi(in.drift->psi) + " (" + in.drift->feature +
                  "), threshold " + Psi(m.drift->threshold);
  if (in.unseen.count < m.drift->min_records) {
    s += ", needs " + std::to_string(m.drift->min_records) + " unseen records";
  }
  return s;
}

}  // namespace

TriggerDecision DecideTrigger(const TriggerInputs& in) {
  const ModelSettings& m = *in.model;
  TriggerDecision d;
  d.threshold = in.force ? 1 : m.min_records;
  if (in.unseen.oldest_landed_ms) {
    d.oldest_unseen_age_ms = std::max<int64_t>(0, in.now_ms - *in.unseen.oldest_landed_ms);
  }
  if (in.last_job_scheduled_ms && m.cooldown_ms > 0) {
    d.cooldown_left_ms =
        std::max<int64_t>(0, *in.last_job_scheduled_ms + m.cooldown_ms - in.now_ms);
  }
  std::optional<CronSchedule> cron;
  if (m.schedule) {
    if (auto c = CronSchedule::Parse(*m.schedule)) {
      cron = *c;
      int64_t next = cron->NextAfter(in.since_ms);
      if (next >= 0) d.next_schedule_ms = next;
    }
  }
  const std::string count = std::to_string(in.unseen.count);

  if (in.active_job_id) {
    d.reason = TriggerReason::kJobActive;
    d.explanation = "model " + m.id + " already has an active job (" + *in.active_job_id + ")";
    return d;
  }
  if (in.manual) {
    if (in.unseen.count >= d.threshold && in.unseen.count > 0) {
      d.fire = true;
      d.reason = in.force && in.unseen.count < m.min_records ? TriggerReason::kForced
                                                             : TriggerReason::kThreshold;
      d.explanation = count + " unseen records (threshold " + std::to_string(d.threshold) + ")";
    } else {
      d.reason = in.unseen.count == 0 ? TriggerReason::kNoData : TriggerReason::kInsufficientData;
      d.explanation = "model " + m.id + " has " + count + " unseen records; " +
                      std::to_string(d.threshold) + " are needed" +
                      (in.force ? "" : " (force lowers this to 1)");
    }
    return d;
  }
  if (in.unseen.count == 0) {
    d.reason = TriggerReason::kNoData;
    d.explanation = "no unseen records";
    return d;
  }
  if (d.cooldown_left_ms > 0) {
    d.reason = TriggerReason::kCooldown;
    d.explanation = "cooldown: the last job started less than " + FormatDuration(m.cooldown_ms) +
                    " ago (" + FormatDuration(d.cooldown_left_ms) + " left)";
    return d;
  }
  if (in.unseen.count >= m.min_records) {
    d.fire = true;
    d.reason = TriggerReason::kThreshold;
    d.explanation =
        count + " unseen records reached the threshold of " + std::to_string(m.min_records);
    return d;
  }
  if (m.drift && in.drift && in.unseen.count >= m.drift->min_records &&
      in.drift->psi >= m.drift->threshold) {
    d.fire = true;
    d.reason = TriggerReason::kDrift;
    d.explanation = "feature " + in.drift->feature + " drifted: its PSI against the champion's " +
                    "training data is " + Psi(in.drift->psi) + " over " + count +
                    " unseen records (threshold " + Psi(m.drift->threshold) + ")";
    return d;
  }
  if (m.max_wait_ms && d.oldest_unseen_age_ms && *d.oldest_unseen_age_ms >= *m.max_wait_ms) {
    d.fire = true;
    d.reason = TriggerReason::kMaxWait;
    d.explanation = "the oldest of " + count + " unseen records waited " +
                    FormatDuration(*d.oldest_unseen_age_ms) + " (maxWait " +
                    FormatDuration(*m.max_wait_ms) + ")";
    return d;
  }
  if (d.next_schedule_ms && *d.next_schedule_ms <= in.now_ms) {
    d.fire = true;
    d.reason = TriggerReason::kSchedule;
    d.explanation = "the schedule '" + *m.schedule + "' fired with " + count + " unseen records";
    return d;
  }
  d.reason = TriggerReason::kInsufficientData;
  d.explanation =
      count + " unseen records; the threshold is " + std::to_string(m.min_records) + DriftNote(in);
  return d;
}

}  // namespace retrain
