#pragma once
// retrain_jobs_total{model,status}: the jobs that entered each status. Counted where the status
// changes (the commands and the reconciler), declared by each of them.

#include <string>

#include "core/job.h"
#include "core/metrics.h"

namespace retrain {

inline void DeclareJobStatusCounter(MetricsRegistry& metrics) {
  metrics.DeclareCounter("retrain_jobs_total", "Jobs that entered each status, per model.");
}

// Counts `after`'s status when it differs from `before`'s.
inline void CountJobStatus(MetricsRegistry& metrics, const Job& before, const Job& after) {
  if (before.status == after.status) return;
  metrics.Add("retrain_jobs_total",
              {{"model", after.model_id}, {"status", std::string(ToString(after.status))}});
}

}  // namespace retrain
