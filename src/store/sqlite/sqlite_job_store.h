#pragma once
// The embedded job store: one SQLite file in WAL mode. One connection, guarded by a mutex:
// SQLite serializes writers anyway, and the store's transactions are short point operations.

#include <memory>
#include <string>

#include "core/time.h"
#include "store/job_store.h"

namespace retrain {

class SqliteJobStore;

// Opens (creating and migrating) the store at `path`. `clock` must outlive the store.
// Concurrent writes are committed together, up to `max_group` per transaction (1 = one
// transaction per write). Errors: kUnavailable when the file cannot be opened;
// kFailedPrecondition when its schema is newer than this binary.
[[nodiscard]] Result<std::unique_ptr<JobStore>> OpenSqliteJobStore(const std::string& path,
                                                                   const Clock& clock,
                                                                   size_t max_group = 64);

}  // namespace retrain
