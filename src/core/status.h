#pragma once
// The life of a retraining job (CONTRACT section 3):
//   pending -> scheduled -> running -> completed | failed | cancelled
//   pending|scheduled -> failed|cancelled, scheduled -> completed, running -> running.
// Terminal states never change.

#include <optional>
#include <string_view>

namespace retrain {

enum class JobStatus { kPending, kScheduled, kRunning, kCompleted, kFailed, kCancelled };

std::string_view ToString(JobStatus s);                    // "pending", ...
std::optional<JobStatus> ParseStatus(std::string_view s);  // lower-case names only
bool IsTerminal(JobStatus s);
bool IsActive(JobStatus s);  // pending, scheduled or running

// Whether `from -> to` is an allowed transition. A repeated terminal status is not a
// transition (callers treat it as a no-op); this returns false for it.
bool CanTransition(JobStatus from, JobStatus to);

}  // namespace retrain
