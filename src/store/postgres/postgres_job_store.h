#pragma once
// The shared job store: PostgreSQL through libpq, for several processes (replicas, CLI
// commands) on one database. Every invariant of store/job_store.h is enforced by the database
// itself — unique constraints, a partial unique index on the active job of a model, and row
// locks on the model's row (SELECT ... FOR UPDATE) that serialize creation, completion and
// promotion per model — so it holds across processes, not only across threads.
//
// The schema is versioned (table retrain_schema). Opening applies the missing migrations under
// pg_advisory_lock, so replicas that start together migrate once.

#include <memory>
#include <optional>
#include <string>

#include "core/time.h"
#include "store/job_store.h"

namespace retrain {

struct PostgresStoreOptions {
  // A libpq URI (postgresql://user[:password]@host:port/db?sslmode=...&sslrootcert=...) or
  // keyword string. TLS options are libpq's own and are passed through unchanged.
  std::string uri;
  // Overrides the URI's password; without either libpq reads PGPASSWORD (or ~/.pgpass).
  std::optional<std::string> password;
  size_t pool_size = 4;
  int connect_timeout_s = 5;
};

// The newest schema version this binary knows.
int PostgresSchemaVersion();

// Connects, checks and migrates the schema, and returns the store. `clock` must outlive it.
// Errors (messages name the database with any password masked):
//   kUnavailable "store_unavailable"    the server cannot be reached;
//   kPermissionDenied "store_auth_failed" it refused the user or password;
//   kInvalidArgument "invalid_store_uri" the URI is malformed;
//   kFailedPrecondition "schema_too_new" the database was migrated by a newer binary.
// After opening, a lost connection makes calls fail with kUnavailable "store_unavailable";
// the next call reconnects.
[[nodiscard]] Result<std::unique_ptr<JobStore>> OpenPostgresJobStore(
    const PostgresStoreOptions& options, const Clock& clock);

}  // namespace retrain
