#pragma once
// Job and event <-> JSON text, the stored form (all fields, internal bookkeeping included).

#include <map>
#include <string>

#include "core/error.h"
#include "core/job.h"

namespace retrain {

std::string EncodeJob(const Job& job);
[[nodiscard]] Result<Job> DecodeJob(const std::string& text);

std::string EncodeMetrics(const std::map<std::string, double>& metrics);
[[nodiscard]] Result<std::map<std::string, double>> DecodeMetrics(const std::string& text);

}  // namespace retrain
