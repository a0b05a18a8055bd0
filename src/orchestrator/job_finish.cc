#include "orchestrator/job_finish.h"

namespace retrain {

void FinishJob(Job& job, JobStatus terminal, int64_t now_ms, std::optional<std::string> error) {
  job.status = terminal;
  job.completed_at_ms = now_ms;
  if (!job.started_at_ms) job.started_at_ms = now_ms;
  if (error) job.error = std::move(error);
  switch (terminal) {
    case JobStatus::kCompleted:
      job.progress = 1.0;
      break;
    case JobStatus::kCancelled:
      job.cancel_requested = true;
      break;
    case JobStatus::kFailed:
      if (!job.error) job.error = "the job failed";
      break;
    default:
      break;
  }
}

}  // namespace retrain
