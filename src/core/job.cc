#include "core/job.h"

namespace retrain {

std::string_view ToString(TriggerKind t) {
  switch (t) {
    case TriggerKind::kAutomatic:
      return "automatic";
    case TriggerKind::kManual:
      return "manual";
    case TriggerKind::kGraphql:
      return "graphql";
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

}  // namespace retrain
