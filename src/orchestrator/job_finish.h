#pragma once
// How a job ends. Every terminal path — the worker reports completion or failure, the executor
// says the worker exited, a cancel, the last attempt failing — records the same bookkeeping.

#include <cstdint>
#include <optional>
#include <string>

#include "core/job.h"

namespace retrain {

// Moves `job` to `terminal` (completed, failed or cancelled) at `now_ms`: sets completedAt, and
// startedAt when the job never started; a completed job's progress becomes 1; a cancelled one
// is marked cancel-requested (its worker is stopped); a failed one keeps `error` (or the error
// it already has, or a generic one). The caller appends the event that says why.
void FinishJob(Job& job, JobStatus terminal, int64_t now_ms,
               std::optional<std::string> error = std::nullopt);

}  // namespace retrain
