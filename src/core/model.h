#pragma once
// A model that retrain watches, as configured under `models:`.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace retrain {

struct ModelSettings {
  std::string id;
  int64_t min_records = 50;
  // Only feed records whose entity type is one of these count for the model; empty = all.
  std::vector<std::string> entity_types;
  // The worker command for the local executor; empty = this binary's `worker` subcommand.
  std::vector<std::string> command;
  // The container image for the Kubernetes executor; empty = RETRAINING_IMAGE / the default.
  std::string image;
  int64_t timeout_ms = 3'600'000;         // one attempt's wall-clock limit
  int max_attempts = 3;                   // attempts before the job fails
  std::optional<int64_t> max_wait_ms;     // fire with fewer records once the oldest is this old
  int64_t cooldown_ms = 0;                // minimum time between two job starts
  std::optional<std::string> schedule;    // cron: fire at these times when data is unseen
  // Free-form trainer parameters passed to the worker as TRAINER_<KEY> variables.
  std::map<std::string, std::string> params;
};

// The model with id `id` in `models`, or null.
inline const ModelSettings* FindModel(const std::vector<ModelSettings>& models, std::string_view id) {
  for (const auto& m : models)
    if (m.id == id) return &m;
  return nullptr;
}

}  // namespace retrain
