#pragma once
// Reading a whole SQLite job store, for `retrain store copy`.

#include <string>

#include "core/error.h"
#include "core/time.h"
#include "store/store_dump.h"

namespace retrain {

// Every row of the store at `path` (migrated to this binary's schema first). The whole history
// is held in memory. Errors: kNotFound "store_not_found" when the file does not exist; those
// of OpenSqliteJobStore.
[[nodiscard]] Result<StoreDump> ExportSqliteStore(const std::string& path, const Clock& clock);

}  // namespace retrain
