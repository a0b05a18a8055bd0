#pragma once
// Opens a feed from its URI. The composition root (cli/) and the worker use this; the
// orchestrator only ever sees FeedSource.
//   embedded:/abs/path/feed.db    the project's own SQLite feed (retrain feed generate/import)
//   fixtures:/abs/dir             a directory of the seed's ingestion-job JSON files
//   bolt://host:7687, bolt+s://, bolt+ssc://, neo4j://, neo4j+s://, neo4j+ssc://   Neo4j

#include <memory>
#include <string>

#include "core/error.h"
#include "feed/feed_source.h"

namespace retrain {

struct FeedOptions {
  std::string uri;
  std::string user;      // Neo4j
  std::string password;  // Neo4j; never logged
  int64_t settle_lag_ms = 0;  // records younger than this are not yet counted (in-flight writes)
};

[[nodiscard]] Result<std::unique_ptr<FeedSource>> OpenFeed(const FeedOptions& options);

}  // namespace retrain
