#include "core/job.h"

#include <cmath>

namespace retrain {

std::string_view ToString(TriggerKind t) {
  switch (t) {
    case TriggerKind::kAutomatic:
      return "automatic";
    case TriggerKind::kManual:
      return "manual";
    case TriggerKind::kGraphql:
      return "graphql";
    case TriggerKind::kDrift:
      return "drift";
  }
  return "automatic";
}

std::string_view ToString(EventSource s) {
  switch (s) {
    case EventSource::kWorker:
      return "worker";
    case EventSource::kExecutor:
      return "executor";
    case EventSource::kApi:
      return "api";
    case EventSource::kSystem:
      return "system";
  }
  return "system";
}

TrainingRange TrainingRangeOf(const Job& job) {
  TrainingRange r;
  auto get = [&](const char* name) -> std::optional<double> {
    auto it = job.metrics.find(name);
    if (it == job.metrics.end() || !std::isfinite(it->second)) return std::nullopt;
    return it->second;
  };
  if (auto v = get("training_records")) r.records = static_cast<int64_t>(*v);
  if (auto v = get("training_window_start")) r.start_ms = std::llround(*v * 1000.0);
  if (auto v = get("training_window_end")) r.end_ms = std::llround(*v * 1000.0);
  return r;
}

}  // namespace retrain
