#pragma once
// Opens the tracking backend named by a tracking URI (CONTRACT section 8). The composition root
// (cli/) and the worker use this; the orchestrator only ever sees Tracker.
//   http://host:port, https://...   an MLflow tracking server (REST); credentials and TLS
//                                   settings from MLFLOW_TRACKING_* in the environment
//   file:///abs/mlruns, /abs/mlruns MLflow's file-store layout in that directory
//   mlruns, ./x/mlruns              the same, relative to `base_dir` (the data dir)

#include <map>
#include <memory>
#include <string>

#include "core/error.h"
#include "tracking/tracker.h"

namespace retrain {

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

}  // namespace retrain
