#pragma once
// The PostgreSQL store's versioned schema: migration N (1-based) is kMigrations[N-1], a list of
// single statements (each runs prepared, so one statement per entry). Applied in order, each
// in its own transaction, recorded in retrain_schema. Never edit a released migration; append.

#include <string>
#include <vector>

namespace retrain::pg {

const std::vector<std::vector<std::string>>& Migrations();

}  // namespace retrain::pg
