#include "tracking/open_tracker.h"

#include <cctype>
#include <filesystem>

#include "tracking/mlflow_file/file_io.h"
#include "tracking/mlflow_file/file_tracker.h"
#include "tracking/mlflow_rest/rest_tracker.h"

namespace retrain {

namespace {

namespace fs = std::filesystem;

std::string Absolute(const std::string& path, const std::string& base_dir) {
  fs::path p(path);
  if (p.is_relative()) {
    std::error_code ec;
    fs::path base = base_dir.empty() ? fs::current_path(ec) : fs::path(base_dir);
    if (base.is_relative()) base = fs::current_path(ec) / base;
    p = base / p;
  }
  return p.lexically_normal().string();
}

bool HasScheme(const std::string& uri) {
  size_t colon = uri.find(':');
  if (colon == std::string::npos || colon < 2) return false;  // "C:" is not a scheme here
  for (size_t i = 0; i < colon; ++i) {
    char c = uri[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'))
      return false;
  }
  return true;
}

template <typename T>
TrackingBackend BackendOf(std::unique_ptr<T> adapter) {
  TrackingBackend backend;
  backend.reader = adapter.get();
  backend.registry = adapter.get();
  backend.tracker = std::move(adapter);
  return backend;
}

}  // namespace

Result<TrackingBackend> OpenTracking(const TrackerOptions& options) {
  const std::string& uri = options.tracking_uri;
  if (uri.empty()) return Fail(ErrorCode::kInvalidArgument, "the MLflow tracking URI is empty");

  std::string artifact_location = options.artifact_location;
  if (!artifact_location.empty() && !HasScheme(artifact_location)) {
    artifact_location = Absolute(artifact_location, options.base_dir);
  }

  if (uri.starts_with("http://") || uri.starts_with("https://")) {
    RestTrackerOptions o;
    o.tracking_uri = uri;
    o.artifact_location = artifact_location;
    o.experiment_name = options.experiment_name;
    o.experiment_description = options.experiment_description;
    o.experiment_tags = options.experiment_tags;
    auto rest = RestTracker::Create(std::move(o));
    if (!rest) return std::unexpected(rest.error());
    return BackendOf(std::move(*rest));
  }

  std::string root;
  if (uri.starts_with("file:")) {
    std::string rest = uri.substr(5);
    if (rest.starts_with("//")) {
      rest = rest.substr(2);
      if (rest.starts_with("localhost/")) rest = rest.substr(9);
      if (!rest.starts_with("/")) {
        return Fail(ErrorCode::kInvalidArgument,
                    "the tracking URI '" + uri + "' names a remote host; use file:///abs/path");
      }
    }
    root = Absolute(mlflow_file::PercentDecode(rest), options.base_dir);
  } else if (HasScheme(uri)) {
    return Fail(ErrorCode::kInvalidArgument,
                "the tracking URI '" + uri +
                    "' is not supported; use http(s)://, file:// or a directory path");
  } else {
    root = Absolute(uri, options.base_dir);
  }
  FileTrackerOptions o;
  o.root = root;
  o.artifact_location = artifact_location;
  o.experiment_name = options.experiment_name;
  o.experiment_description = options.experiment_description;
  o.experiment_tags = options.experiment_tags;
  auto file = FileTracker::Create(std::move(o));
  if (!file) return std::unexpected(file.error());
  return BackendOf(std::move(*file));
}

}  // namespace retrain
