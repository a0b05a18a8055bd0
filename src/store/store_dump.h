#pragma once
// Everything a job store holds, row by row, as `retrain store copy` moves it from one backend
// to another: jobs (their stored form unchanged, seq kept), events, model watermarks,
// idempotency keys, settings and the promotion history.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/promotion.h"

namespace retrain {

struct StoreDump {
  struct JobRow {
    int64_t seq = 0;
    std::string id, model_id, status;
    bool needs_sync = false;
    std::string data;  // store/job_codec.h form
  };
  struct EventRow {
    std::string job_id;
    int64_t seq = 0, at_ms = 0;
    std::optional<std::string> status;
    std::optional<double> progress;
    std::optional<std::string> message, metrics;
    std::string source;
  };
  struct ModelRow {
    std::string model_id, watermark;
    std::optional<int64_t> watermark_landed_ms;
  };
  struct KeyRow {
    std::string key, job_id;
    int64_t created_ms = 0;
  };
  std::vector<JobRow> jobs;
  std::vector<EventRow> events;
  std::vector<ModelRow> models;
  std::vector<KeyRow> idempotency_keys;
  std::vector<std::pair<std::string, std::string>> settings;
  std::vector<Promotion> promotions;
};

// How many rows of each kind a store holds.
struct StoreCounts {
  int64_t jobs = 0, events = 0, models = 0, idempotency_keys = 0, settings = 0, promotions = 0;
  bool operator==(const StoreCounts&) const = default;
};

inline StoreCounts CountsOf(const StoreDump& d) {
  return {static_cast<int64_t>(d.jobs.size()),     static_cast<int64_t>(d.events.size()),
          static_cast<int64_t>(d.models.size()),   static_cast<int64_t>(d.idempotency_keys.size()),
          static_cast<int64_t>(d.settings.size()), static_cast<int64_t>(d.promotions.size())};
}

}  // namespace retrain
