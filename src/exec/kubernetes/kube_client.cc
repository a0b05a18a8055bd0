#include "exec/kubernetes/kube_client.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "core/strings.h"

namespace retrain {

using json = nlohmann::json;

namespace {

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool RetryableStatus(int status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::string ResourceName(const KubeResource& res) {
  return res.group.empty() ? res.plural : res.plural + "." + res.group;
}

}  // namespace

std::string KubePath(const KubeResource& res, const std::string& ns, const std::string& name,
                     const std::string& subresource) {
  std::string path = res.api_prefix;
  if (!ns.empty()) path += "/namespaces/" + PercentEncode(ns);
  path += "/" + res.plural;
  if (!name.empty()) path += "/" + PercentEncode(name);
  if (!subresource.empty()) path += "/" + subresource;
  return path;
}

Result<std::unique_ptr<KubeClient>> KubeClient::Create(KubeConfig config,
                                                       KubeClientOptions options) {
  if (config.server.empty())
    return Fail(ErrorCode::kInvalidArgument, "the Kubernetes configuration has no API server URL");
  if (options.max_attempts < 1) options.max_attempts = 1;
  if (!options.sleep)
    options.sleep = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  return std::unique_ptr<KubeClient>(new KubeClient(std::move(config), std::move(options)));
}

KubeClient::KubeClient(KubeConfig config, KubeClientOptions options)
    : config_(std::move(config)), options_(std::move(options)), http_(config_.tls) {
  token_ = config_.token;
  token_read_at_ = SteadyNowMs();
}

KubeClient::~KubeClient() = default;

std::string KubeClient::Token() const {
  std::lock_guard lock(token_mu_);
  if (!config_.token_file.empty() && SteadyNowMs() - token_read_at_ >= options_.token_reread_ms) {
    if (auto t = ReadWholeFile(config_.token_file)) {
      std::string tok = *t;
      while (!tok.empty() && (tok.back() == '\n' || tok.back() == '\r')) tok.pop_back();
      if (!tok.empty()) token_ = tok;
    }
    token_read_at_ = SteadyNowMs();
  }
  return token_;
}

std::vector<std::pair<std::string, std::string>> KubeClient::Headers(
    const std::string& content_type) const {
  std::vector<std::pair<std::string, std::string>> h{{"Accept", "application/json"},
                                                     {"User-Agent", "retrain/0.1"}};
  if (!content_type.empty()) h.emplace_back("Content-Type", content_type);
  if (std::string tok = Token(); !tok.empty()) h.emplace_back("Authorization", "Bearer " + tok);
  return h;
}

Result<HttpResponse> KubeClient::SendWithRetry(HttpRequest request) const {
  thread_local std::minstd_rand rng{std::random_device{}()};
  int64_t backoff = options_.initial_backoff_ms;
  Result<HttpResponse> last = Fail(ErrorCode::kInternal, "no request was sent");
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    last = http_.Send(request);
    bool retry = false;
    int64_t wait = backoff;
    if (!last) {
      retry = last.error().code == ErrorCode::kUnavailable ||
              last.error().code == ErrorCode::kDeadlineExceeded;
    } else if (RetryableStatus(last->status)) {
      retry = true;
      if (std::string ra = last->Header("retry-after"); !ra.empty()) {
        try {
          wait = std::max<int64_t>(wait, std::stoll(ra) * 1000);
        } catch (const std::exception&) {
        }
      }
    }
    if (!retry || attempt == options_.max_attempts) break;
    wait = std::min(wait, options_.max_backoff_ms);
    wait = wait / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(wait / 2 + 1));
    options_.sleep(wait);
    backoff = std::min(backoff * 2, options_.max_backoff_ms);
  }
  return last;
}

Result<HttpResponse> KubeClient::Raw(const std::string& method, const std::string& path,
                                     const std::string& body,
                                     const std::string& content_type) const {
  HttpRequest req;
  req.method = method;
  req.url = config_.server + path;
  req.headers = Headers(body.empty() ? "" : content_type);
  req.body = body;
  req.timeout_ms = options_.request_timeout_ms;
  return SendWithRetry(std::move(req));
}

Error KubeClient::ErrorFor(const HttpResponse& resp, std::string_view verb, const KubeResource& res,
                           const std::string& ns) {
  std::string server_message;
  std::string reason;
  try {
    json body = json::parse(resp.body);
    if (body.is_object()) {
      server_message = body.value("message", "");
      reason = body.value("reason", "");
    }
  } catch (const json::exception&) {
    server_message = resp.body.substr(0, 200);
  }
  std::string what =
      std::string(verb) + " on " + ResourceName(res) + (ns.empty() ? "" : " in namespace " + ns);
  std::string suffix = server_message.empty() ? "" : ": " + server_message;
  ErrorCode code = ErrorCode::kInternal;
  std::string api_code;
  std::string message;
  switch (resp.status) {
    case 400:
      code = ErrorCode::kInvalidArgument;
      break;
    case 401:
      code = ErrorCode::kUnauthenticated;
      message = "the Kubernetes API server rejected retrain's credentials for " + what + suffix;
      break;
    case 403:
      code = ErrorCode::kPermissionDenied;
      message = "Kubernetes denied " + what +
                " (check the RBAC Role bound to retrain's service account)" + suffix;
      break;
    case 404:
      code = ErrorCode::kNotFound;
      break;
    case 409:
      code = reason == "AlreadyExists" ? ErrorCode::kAlreadyExists : ErrorCode::kAborted;
      break;
    case 410:
      code = ErrorCode::kFailedPrecondition;
      api_code = "resource_expired";
      break;
    case 422:
      code = ErrorCode::kUnprocessable;
      break;
    case 429:
      code = ErrorCode::kResourceExhausted;
      break;
    case 504:
      code = ErrorCode::kDeadlineExceeded;
      break;
    default:
      if (resp.status >= 500) code = ErrorCode::kUnavailable;
      break;
  }
  if (message.empty())
    message = "Kubernetes " + what + " failed with HTTP " + std::to_string(resp.status) + suffix;
  Error err{code, api_code.empty() ? CodeName(code) : api_code, message, {}};
  if (!reason.empty()) err.With("kubernetes_reason", reason);
  err.With("http_status", static_cast<int64_t>(resp.status));
  return err;
}

Result<json> KubeClient::Expect2xx(const Result<HttpResponse>& resp, std::string_view verb,
                                   const KubeResource& res, const std::string& ns) const {
  if (!resp) return std::unexpected(resp.error());
  if (resp->status < 200 || resp->status >= 300)
    return std::unexpected(ErrorFor(*resp, verb, res, ns));
  try {
    return json::parse(resp->body);
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kUnavailable, "the Kubernetes API server answered " + std::string(verb) +
                                             " on " + ResourceName(res) +
                                             " with a body that is not JSON: " + e.what());
  }
}

Result<json> KubeClient::CreateObject(const KubeResource& res, const std::string& ns,
                                      const json& body, bool dry_run) const {
  std::string path = KubePath(res, ns) + (dry_run ? "?dryRun=All" : "");
  return Expect2xx(Raw("POST", path, body.dump(), "application/json"), "create", res, ns);
}

Result<json> KubeClient::GetObject(const KubeResource& res, const std::string& ns,
                                   const std::string& name) const {
  return Expect2xx(Raw("GET", KubePath(res, ns, name), "", ""), "get", res, ns);
}

Result<json> KubeClient::ListObjects(const KubeResource& res, const std::string& ns,
                                     const std::string& label_selector) const {
  std::string path = KubePath(res, ns);
  if (!label_selector.empty()) path += "?labelSelector=" + PercentEncode(label_selector);
  return Expect2xx(Raw("GET", path, "", ""), "list", res, ns);
}

Result<json> KubeClient::PatchObject(const KubeResource& res, const std::string& ns,
                                     const std::string& name, const json& patch,
                                     const std::string& content_type,
                                     const std::string& subresource) const {
  return Expect2xx(Raw("PATCH", KubePath(res, ns, name, subresource), patch.dump(), content_type),
                   "patch", res, ns);
}

Status KubeClient::DeleteObject(const KubeResource& res, const std::string& ns,
                                const std::string& name, const std::string& uid) const {
  json opts = {
      {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  if (!uid.empty()) opts["preconditions"] = {{"uid", uid}};
  auto r = Expect2xx(Raw("DELETE", KubePath(res, ns, name), opts.dump(), "application/json"),
                     "delete", res, ns);
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<WatchEnd> KubeClient::Watch(
    const KubeResource& res, const std::string& ns, const std::string& label_selector,
    const std::string& resource_version, int timeout_s,
    const std::function<bool(const std::string&, const json&)>& on_event,
    const std::function<bool()>& keep_going) const {
  std::string path = KubePath(res, ns) + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=" +
                     std::to_string(timeout_s);
  if (!label_selector.empty()) path += "&labelSelector=" + PercentEncode(label_selector);
  if (!resource_version.empty()) path += "&resourceVersion=" + PercentEncode(resource_version);
  HttpRequest req;
  req.method = "GET";
  req.url = config_.server + path;
  req.headers = Headers("");
  // The server ends the stream after timeout_s; the client limit only catches a dead peer.
  req.timeout_ms = static_cast<int64_t>(timeout_s) * 1000 + 15'000;
  req.keep_going = keep_going;

  std::string buffer, error_body;
  bool stopped = false, expired = false;
  Error stream_error;
  bool has_stream_error = false;
  auto handle_line = [&](std::string_view line) -> bool {
    if (line.empty()) return true;
    json event;
    try {
      event = json::parse(line);
    } catch (const json::exception& e) {
      stream_error = Error{ErrorCode::kUnavailable,
                           "unavailable",
                           std::string("a Kubernetes watch event is not JSON: ") + e.what(),
                           {}};
      has_stream_error = true;
      return false;
    }
    if (!event.is_object() || !event.contains("type")) {
      error_body = std::string(line);  // a plain Status body: the request itself failed
      return false;
    }
    std::string type = event.value("type", "");
    const json& object = event.contains("object") ? event["object"] : json::object();
    if (type == "ERROR") {
      int code = object.is_object() ? object.value("code", 0) : 0;
      if (code == 410) {
        expired = true;
      } else {
        stream_error = Error{ErrorCode::kUnavailable,
                             "unavailable",
                             "the Kubernetes watch on " + ResourceName(res) + " ended with: " +
                                 (object.is_object() ? object.value("message", "") : ""),
                             {}};
        has_stream_error = true;
      }
      return false;
    }
    if (!on_event(type, object)) {
      stopped = true;
      return false;
    }
    return true;
  };
  auto resp = http_.SendStreaming(req, [&](std::string_view chunk) {
    buffer.append(chunk);
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!handle_line(std::string_view(buffer).substr(start, nl - start))) return false;
    }
    buffer.erase(0, start);
    return true;
  });
  if (expired) return WatchEnd::kExpired;
  if (stopped || (keep_going && !keep_going())) return WatchEnd::kStopped;
  if (has_stream_error) return std::unexpected(stream_error);
  if (!resp) {
    // The server ends a watch at timeoutSeconds; a client-side timeout means a dead stream.
    return std::unexpected(resp.error());
  }
  if (resp->status == 410) return WatchEnd::kExpired;
  if (resp->status < 200 || resp->status >= 300) {
    HttpResponse with_body = *resp;
    with_body.body = error_body.empty() ? buffer : error_body;
    return std::unexpected(ErrorFor(with_body, "watch", res, ns));
  }
  if (!error_body.empty())
    return Fail(ErrorCode::kUnavailable, "the Kubernetes watch on " + ResourceName(res) +
                                             " answered with a status instead of events");
  if (!buffer.empty() && !handle_line(buffer)) {
    if (expired) return WatchEnd::kExpired;
    if (stopped) return WatchEnd::kStopped;
    if (has_stream_error) return std::unexpected(stream_error);
  }
  return WatchEnd::kTimeout;
}

}  // namespace retrain
