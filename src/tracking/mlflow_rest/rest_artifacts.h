#pragma once
// Internal to the REST adapter: writing and reading run artifacts by artifact URI.
//   mlflow-artifacts:/<path> and mlflow-artifacts://host:port/<path>  the server's proxy
//   file:///abs, /abs                                                   the local file system
// Anything else: kFailedPrecondition (writes), or the server's /get-artifact (reads).

#include <string>

#include "tracking/mlflow_rest/rest_client.h"

namespace retrain {

[[nodiscard]] Status WriteRunArtifact(RestTracker::Impl& client, const std::string& artifact_uri,
                                      const std::string& relative_path, const std::string& content);
[[nodiscard]] Result<std::string> ReadRunArtifact(RestTracker::Impl& client,
                                                  const std::string& run_id,
                                                  const std::string& artifact_uri,
                                                  const std::string& relative_path);
// The proxy URL of `relative_path` under an mlflow-artifacts: URI, or "" for other URIs.
std::string ProxyArtifactUrl(const RestTracker::Impl& client, const std::string& artifact_uri,
                             const std::string& relative_path);

}  // namespace retrain
