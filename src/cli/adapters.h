#pragma once
// The composition root's one unit that names concrete adapters: everything else sees the
// JobStore, FeedSource, Executor and Tracker interfaces. `retrain serve` opens its adapters from
// the Config; the worker, which only has its environment, opens its feed and tracker from URIs.

#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/error.h"
#include "core/time.h"
#include "exec/executor.h"
#include "feed/feed_source.h"
#include "store/job_store.h"
#include "store/store_dump.h"
#include "tracking/tracker.h"

namespace retrain {

// ---- feed ---------------------------------------------------------------------------------

// Opens a feed from its URI (RETRAINING_FEED_URI, the way workers are told where to read):
//   embedded:/abs/path/feed.db    the project's own SQLite feed (retrain feed generate/import)
//   fixtures:/abs/dir             a directory of the seed's ingestion-job JSON files
//   bolt://host:7687, bolt+s://, bolt+ssc://, neo4j://, neo4j+s://, neo4j+ssc://   Neo4j
struct FeedUriOptions {
  std::string uri;
  std::string user;           // Neo4j
  std::string password;       // Neo4j; never logged
  int64_t settle_lag_ms = 0;  // records younger than this are not yet counted (in-flight writes)
};
// Errors: kInvalidArgument "invalid_feed" for an unknown scheme (or a Neo4j URI in a build
// without Neo4j); the adapter's own errors.
[[nodiscard]] Result<std::unique_ptr<FeedSource>> OpenFeedUri(const FeedUriOptions& options);

// The feed the configuration names (feed.source, feed.path resolved in the data dir, feed.neo4j*).
[[nodiscard]] Result<std::unique_ptr<FeedSource>> OpenConfiguredFeed(const Config& config);

// The URI workers are given for the configured feed (their RETRAINING_FEED_URI).
std::string WorkerFeedUri(const Config& config);

// ---- tracking -----------------------------------------------------------------------------

// Opens the tracking backend named by a tracking URI (CONTRACT section 8):
//   http://host:port, https://...   an MLflow tracking server (REST); credentials and TLS
//                                   settings from MLFLOW_TRACKING_* in the environment
//   file:///abs/mlruns, /abs/mlruns MLflow's file-store layout in that directory
//   mlruns, ./x/mlruns              the same, relative to `base_dir` (the data dir)
struct TrackerOptions {
  std::string tracking_uri;
  std::string artifact_location;  // "" = MLflow's default for the backend; a relative path
                                  // resolves against base_dir
  std::string experiment_name = "intelgraph-retraining";
  std::string experiment_description;
  std::map<std::string, std::string> experiment_tags;
  std::string base_dir;  // relative file paths resolve against it; "" = current directory
};

// One adapter seen through its three interfaces. `reader` and `registry` point into the
// object `tracker` owns: they are valid exactly as long as `tracker`.
struct TrackingBackend {
  std::unique_ptr<Tracker> tracker;
  ArtifactReader* reader = nullptr;
  ModelRegistry* registry = nullptr;
};

// Does no network I/O (the first EnsureExperiment does); a file store's directory is created.
// Errors: kInvalidArgument for an empty or unsupported URI (named in the message, e.g.
// sqlite:// or databricks), kUnavailable when the file store directory cannot be created.
[[nodiscard]] Result<TrackingBackend> OpenTracking(const TrackerOptions& options);

// The configuration's experiment and tracking URI, relative paths in the data dir.
TrackerOptions TrackerOptionsFrom(const Config& config);

// ---- store and executor -------------------------------------------------------------------

// The job store the configuration names: SQLite at store.path (in the data dir), or
// PostgreSQL at store.uri (password from the URI, store.passwordFile, or PGPASSWORD), migrated
// on open. Errors: those of OpenSqliteJobStore / OpenPostgresJobStore, and kInvalidArgument
// "invalid_config" when store.passwordFile cannot be read. No message carries the password.
[[nodiscard]] Result<std::unique_ptr<JobStore>> OpenConfiguredStore(const Config& config,
                                                                    const Clock& clock);

// `retrain store copy`: every row of the SQLite store at `sqlite_path` into the PostgreSQL
// store at `postgres_uri` (password from `password_file` when not empty, else the URI or
// PGPASSWORD), in one transaction. Fills *source with the rows read and returns the rows the
// target holds afterwards. Errors: those of ExportSqliteStore and ImportIntoPostgres
// (kFailedPrecondition "target_not_empty" unless `replace`).
[[nodiscard]] Result<StoreCounts> CopySqliteToPostgres(const std::string& sqlite_path,
                                                       const std::string& postgres_uri,
                                                       const std::string& password_file,
                                                       bool replace, const Clock& clock,
                                                       StoreCounts* source);

// The password in `path` without its trailing newline. Errors: kInvalidArgument when the file
// cannot be read or is empty.
[[nodiscard]] Result<std::string> ReadPasswordFile(const std::string& path);

// The configured executor. The Kubernetes one first removes the Jobs of jobs `store` no longer
// knows (and logs each); the local one runs `retrain worker` of this binary by default.
[[nodiscard]] Result<std::unique_ptr<Executor>> OpenConfiguredExecutor(const Config& config,
                                                                       Clock& clock,
                                                                       JobStore& store);

// The absolute path of the running binary.
std::string SelfExecutable();

}  // namespace retrain
