#include "store/postgres/postgres_schema.h"

namespace retrain::pg {

const std::vector<std::vector<std::string>>& Migrations() {
  static const std::vector<std::vector<std::string>> kMigrations = {
      // 1: jobs, events, model watermarks, idempotency keys, settings, promotion history.
      {
          R"sql(CREATE TABLE jobs (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  model_id TEXT NOT NULL,
  status TEXT NOT NULL,
  needs_sync BOOLEAN NOT NULL DEFAULT false,
  data TEXT NOT NULL))sql",
          "CREATE INDEX jobs_by_model ON jobs (model_id, seq)",
          "CREATE INDEX jobs_by_status ON jobs (status, seq)",
          "CREATE INDEX jobs_by_model_status ON jobs (model_id, status, seq)",
          "CREATE UNIQUE INDEX one_active_job_per_model ON jobs (model_id) "
          "WHERE status IN ('pending', 'scheduled', 'running')",
          "CREATE INDEX jobs_needing_sync ON jobs (seq) WHERE needs_sync",
          R"sql(CREATE TABLE job_events (
  job_id TEXT NOT NULL REFERENCES jobs (id),
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  status TEXT,
  progress DOUBLE PRECISION,
  message TEXT,
  metrics TEXT,
  source TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)))sql",
          R"sql(CREATE TABLE models (
  model_id TEXT PRIMARY KEY,
  watermark TEXT NOT NULL DEFAULT '',
  watermark_landed_ms BIGINT))sql",
          R"sql(CREATE TABLE idempotency_keys (
  key TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs (id),
  created_ms BIGINT NOT NULL))sql",
          "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
          R"sql(CREATE TABLE promotions (
  seq BIGSERIAL PRIMARY KEY,
  model_id TEXT NOT NULL,
  version TEXT NOT NULL,
  previous_version TEXT,
  at BIGINT NOT NULL,
  source TEXT NOT NULL,
  reason TEXT NOT NULL,
  job_id TEXT UNIQUE))sql",
          "CREATE INDEX promotions_by_model ON promotions (model_id, seq)",
      },
      // 2: leases (the leader lease of the replicas sharing the store).
      {
          R"sql(CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL))sql",
      },
  };
  return kMigrations;
}

}  // namespace retrain::pg
