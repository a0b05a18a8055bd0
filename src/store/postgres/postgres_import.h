#pragma once
// Loading a whole store's rows into PostgreSQL, for `retrain store copy`.

#include "core/error.h"
#include "store/postgres/postgres_job_store.h"
#include "store/store_dump.h"

namespace retrain {

// Rows the PostgreSQL store at `options` holds now (migrating its schema first).
[[nodiscard]] Result<StoreCounts> CountPostgresStore(const PostgresStoreOptions& options,
                                                     const Clock& clock);

// Writes every row of `dump` into the PostgreSQL store in one transaction, keeping job and
// promotion sequence numbers, then returns the counts read back from the database. A target
// that holds anything is refused unless `replace`, which first empties it (in the same
// transaction, so a failure leaves the target as it was).
// Errors: kFailedPrecondition "target_not_empty" (details: the target's jobs, events, ...);
// those of OpenPostgresJobStore; kAlreadyExists / kInternal for rows the schema refuses.
[[nodiscard]] Result<StoreCounts> ImportIntoPostgres(const PostgresStoreOptions& options,
                                                     const Clock& clock, const StoreDump& dump,
                                                     bool replace);

}  // namespace retrain
