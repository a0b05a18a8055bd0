#include "core/status.h"

namespace retrain {

std::string_view ToString(JobStatus s) {
  switch (s) {
    case JobStatus::kPending:
      return "pending";
    case JobStatus::kScheduled:
      return "scheduled";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kCompleted:
      return "completed";
    case JobStatus::kFailed:
      return "failed";
    case JobStatus::kCancelled:
      return "cancelled";
  }
  return "pending";
}

std::optional<JobStatus> ParseStatus(std::string_view s) {
  if (s == "pending") return JobStatus::kPending;
  if (s == "scheduled") return JobStatus::kScheduled;
  if (s == "running") return JobStatus::kRunning;
  if (s == "completed") return JobStatus::kCompleted;
  if (s == "failed") return JobStatus::kFailed;
  if (s == "cancelled") return JobStatus::kCancelled;
  return std::nullopt;
}

bool IsTerminal(JobStatus s) {
  return s == JobStatus::kCompleted || s == JobStatus::kFailed || s == JobStatus::kCancelled;
}

bool IsActive(JobStatus s) { return !IsTerminal(s); }

bool CanTransition(JobStatus from, JobStatus to) {
  using S = JobStatus;
  switch (from) {
    case S::kPending:
      return to == S::kScheduled || to == S::kFailed || to == S::kCancelled;
    case S::kScheduled:
      return to == S::kRunning || to == S::kCompleted || to == S::kFailed || to == S::kCancelled;
    case S::kRunning:
      return to == S::kRunning || to == S::kCompleted || to == S::kFailed || to == S::kCancelled;
    case S::kCompleted:
    case S::kFailed:
    case S::kCancelled:
      return false;
  }
  return false;
}

}  // namespace retrain
