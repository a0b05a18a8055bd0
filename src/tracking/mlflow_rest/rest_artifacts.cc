#include "tracking/mlflow_rest/rest_artifacts.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/ids.h"
#include "core/strings.h"

namespace retrain {

namespace fs = std::filesystem;

namespace {

constexpr const char* kProxy = "/api/2.0/mlflow-artifacts/artifacts/";

Status ValidatePath(const std::string& path) {
  bool bad = path.empty() || path.front() == '/' || path.back() == '/';
  size_t start = 0;
  while (!bad && start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string seg = path.substr(start, end - start);
    bad = seg.empty() || seg == "." || seg == "..";
    start = end + 1;
  }
  if (bad) {
    return Fail(ErrorCode::kInvalidArgument,
                "artifact path '" + path + "' must be relative without '.' or '..' segments");
  }
  return {};
}

// Percent-encodes each segment of a '/'-separated path.
std::string EncodePath(const std::string& path) { return PercentEncode(path, "/"); }

std::optional<fs::path> LocalPath(const std::string& uri) {
  if (uri.starts_with("file://")) {
    std::string rest = uri.substr(7);
    if (rest.starts_with("localhost/")) rest = rest.substr(9);
    if (!rest.starts_with("/")) return std::nullopt;
    std::string decoded;
    for (size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == '%' && i + 2 < rest.size()) {
        decoded.push_back(static_cast<char>(std::stoi(rest.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        decoded.push_back(rest[i]);
      }
    }
    return fs::path(decoded);
  }
  if (uri.starts_with("/")) return fs::path(uri);
  return std::nullopt;
}

Status WriteLocal(const fs::path& target, const std::string& content, const fs::path& temp_dir) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (!ec) fs::create_directories(temp_dir, ec);
  if (ec) return Fail(ErrorCode::kUnavailable, "could not create " + target.parent_path().string());
  fs::path temp = temp_dir / (".tmp-" + target.filename().string() + "-" + RandomHex(6));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      fs::remove(temp, ec);
      return Fail(ErrorCode::kUnavailable, "could not write " + temp.string());
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    return Fail(ErrorCode::kUnavailable, "could not write " + target.string());
  }
  return {};
}

}  // namespace

std::string ProxyArtifactUrl(const RestTracker::Impl& client, const std::string& artifact_uri,
                             const std::string& relative_path) {
  constexpr std::string_view kScheme = "mlflow-artifacts:";
  if (!artifact_uri.starts_with(kScheme)) return "";
  std::string rest = artifact_uri.substr(kScheme.size());
  std::string origin;  // mlflow-artifacts://host:port/path names another server
  if (rest.starts_with("//")) {
    size_t slash = rest.find('/', 2);
    std::string host = rest.substr(2, slash == std::string::npos ? std::string::npos : slash - 2);
    rest = slash == std::string::npos ? "" : rest.substr(slash);
    if (!host.empty()) {
      std::string scheme =
          client.options().tracking_uri.starts_with("https://") ? "https://" : "http://";
      origin = scheme + host;
    }
  }
  while (rest.starts_with("/")) rest.erase(0, 1);
  while (rest.ends_with("/")) rest.pop_back();
  std::string path = rest.empty() ? relative_path : rest + "/" + relative_path;
  std::string url_path = kProxy + EncodePath(path);
  return origin.empty() ? client.Url(url_path) : origin + url_path;
}

Status WriteRunArtifact(RestTracker::Impl& client, const std::string& artifact_uri,
                        const std::string& relative_path, const std::string& content) {
  if (auto s = ValidatePath(relative_path); !s) return s;
  if (std::string url = ProxyArtifactUrl(client, artifact_uri, relative_path); !url.empty()) {
    HttpRequest req;
    req.method = "PUT";
    req.url = url;
    req.headers.emplace_back("Content-Type", "application/octet-stream");
    req.body = content;
    req.timeout_ms = client.options().artifact_timeout_ms;
    auto r = client.Send(std::move(req), "PUT artifact " + relative_path,
                         RestTracker::Impl::Retry::kYes);
    if (!r) return std::unexpected(r.error());
    return {};
  }
  if (auto root = LocalPath(artifact_uri)) {
    // Temporary files go beside the artifact root, never inside it.
    return WriteLocal(*root / relative_path, content, root->parent_path());
  }
  return Fail(ErrorCode::kFailedPrecondition,
              "artifact URI '" + artifact_uri +
                  "' is neither proxied by the tracking server (mlflow-artifacts:) nor local; "
                  "run the server with --serve-artifacts");
}

Result<std::string> ReadRunArtifact(RestTracker::Impl& client, const std::string& run_id,
                                    const std::string& artifact_uri,
                                    const std::string& relative_path) {
  if (auto s = ValidatePath(relative_path); !s) return std::unexpected(s.error());
  if (auto root = LocalPath(artifact_uri)) {
    std::ifstream in(*root / relative_path, std::ios::binary);
    if (!in) {
      return Fail(ErrorCode::kNotFound,
                  "run " + run_id + " has no artifact '" + relative_path + "'");
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
  HttpRequest req;
  req.method = "GET";
  req.url = ProxyArtifactUrl(client, artifact_uri, relative_path);
  if (req.url.empty()) {
    req.url = client.Url("/get-artifact?run_id=" + PercentEncode(run_id) +
                         "&path=" + PercentEncode(relative_path));
  }
  req.timeout_ms = client.options().artifact_timeout_ms;
  auto r =
      client.Send(std::move(req), "GET artifact " + relative_path, RestTracker::Impl::Retry::kYes);
  if (!r) {
    if (r.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kNotFound,
                  "run " + run_id + " has no artifact '" + relative_path + "'");
    }
    return std::unexpected(r.error());
  }
  return std::move(r->body);
}

}  // namespace retrain
