#pragma once
// What a job's MLflow run carries (CONTRACT section 8), shared by every Tracker adapter so
// that the file store and a tracking server hold the same run for the same job.

#include <map>
#include <string>

#include "core/error.h"
#include "core/job.h"

namespace retrain {

// The tag that ties a run to its job; EnsureRun searches by it.
inline constexpr const char* kRunJobTag = "retraining_job_id";

// "retrain-<modelId>-<UTC yyyymmddHHMMSS of scheduledAt>"
std::string RunName(const Job& job);
// model_id, retraining_job_id, retraining_trigger, retraining_status, retraining_reason.
std::map<std::string, std::string> RunTags(const Job& job);
// record_count, data_window_start, data_window_end, ingestion_jobs ("id:count,...").
std::map<std::string, std::string> RunParams(const Job& job);

// Tracker::LogParams' refusal to change a logged param: kFailedPrecondition "param_conflict".
Error ParamConflict(const std::string& run_id, const std::string& key, const std::string& have,
                    const std::string& wanted);

}  // namespace retrain
