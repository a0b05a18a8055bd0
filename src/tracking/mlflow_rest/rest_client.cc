#include "tracking/mlflow_rest/rest_client.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/strings.h"

namespace retrain {

namespace {

constexpr const char* kApi = "/api/2.0/mlflow/";

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// A short, single-line excerpt of a body for an error message.
std::string Excerpt(const std::string& body) {
  std::string out;
  for (char c : body.substr(0, 200)) out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (body.size() > 200) out += "...";
  return out;
}

}  // namespace

bool IsRetryableStatus(int status) { return status == 429 || status >= 500; }

int64_t RetryAfterMs(const HttpResponse& response) {
  std::string v = response.Header("retry-after");
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 6) return 0;
  return std::stoll(v) * 1000;
}

Error ErrorForResponse(const std::string& what, const HttpResponse& response) {
  std::string mlflow_code, mlflow_message;
  try {
    auto body = nlohmann::json::parse(response.body);
    if (body.is_object()) {
      mlflow_code = JsonString(body, "error_code");
      mlflow_message = JsonString(body, "message");
    }
  } catch (const nlohmann::json::exception&) {
  }
  int s = response.status;
  ErrorCode code = ErrorCode::kInvalidArgument;
  if (s == 401)
    code = ErrorCode::kUnauthenticated;
  else if (s == 403)
    code = ErrorCode::kPermissionDenied;
  else if (s == 404)
    code = ErrorCode::kNotFound;
  else if (s == 409)
    code = mlflow_code == "ALREADY_EXISTS" ? ErrorCode::kAlreadyExists : ErrorCode::kAborted;
  else if (s == 413)
    code = ErrorCode::kPayloadTooLarge;
  else if (s == 429)
    code = ErrorCode::kResourceExhausted;
  else if (s >= 500)
    code = ErrorCode::kUnavailable;
  else if (s >= 300 && s < 400)
    code = ErrorCode::kInvalidArgument;
  if (mlflow_code == "RESOURCE_ALREADY_EXISTS") code = ErrorCode::kAlreadyExists;

  std::string message = "MLflow " + what + " failed with HTTP " + std::to_string(s);
  if (!mlflow_code.empty()) message += " " + mlflow_code;
  if (!mlflow_message.empty()) {
    message += ": " + Excerpt(mlflow_message);
  } else if (!response.body.empty()) {
    message += ": " + Excerpt(response.body);
  }
  Error e = Fail(code, message).error();
  e.With("http_status", static_cast<int64_t>(s));
  if (!mlflow_code.empty()) e.With("mlflow_error_code", mlflow_code);
  return e;
}

std::string JsonString(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string FilterLiteral(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

std::map<std::string, std::string> KeyValues(const nlohmann::json& list) {
  std::map<std::string, std::string> out;
  if (!list.is_array()) return out;
  for (const auto& item : list) out[JsonString(item, "key")] = JsonString(item, "value");
  return out;
}

nlohmann::json JsonDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

RestTracker::Impl::Impl(RestTrackerOptions options, RestDependencies deps)
    : options_(std::move(options)),
      base_(options_.tracking_uri),
      transport_(std::move(deps.transport)),
      sleep_(std::move(deps.sleep)),
      owned_clock_(deps.clock ? nullptr : std::make_unique<SystemClock>()),
      clock_(deps.clock ? deps.clock : owned_clock_.get()) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  if (!transport_) {
    http_ = std::make_unique<HttpClient>(options_.tls);
    transport_ = [client = http_.get()](const HttpRequest& r) { return client->Send(r); };
  }
  if (!sleep_) {
    sleep_ = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  }
  rng_.seed(options_.jitter_seed != 0 ? options_.jitter_seed : std::random_device{}());
}

std::string RestTracker::Impl::Url(const std::string& path) const { return base_ + path; }

std::vector<std::pair<std::string, std::string>> RestTracker::Impl::AuthHeaders() const {
  if (!options_.username.empty() && !options_.password.empty()) {
    return {{"Authorization", "Basic " + Base64(options_.username + ":" + options_.password)}};
  }
  if (!options_.token.empty()) return {{"Authorization", "Bearer " + options_.token}};
  return {};
}

int64_t RestTracker::Impl::BackoffMs(int attempt, int64_t retry_after_ms) {
  const RetryPolicy& p = options_.retry;
  double base = static_cast<double>(p.initial_backoff_ms) * std::pow(p.multiplier, attempt - 1);
  int64_t cap = std::min<int64_t>(p.max_backoff_ms, static_cast<int64_t>(std::min(base, 1e12)));
  // "Equal jitter": half fixed, half random, so retries from many clients spread out.
  int64_t half = cap / 2;
  int64_t jitter = 0;
  {
    std::lock_guard lock(rng_mu_);
    jitter = half > 0 ? static_cast<int64_t>(rng_() % static_cast<uint64_t>(cap - half + 1)) : 0;
  }
  int64_t wait = half + jitter;
  if (retry_after_ms > 0) wait = std::max(wait, std::min(retry_after_ms, p.max_backoff_ms));
  return wait;
}

void RestTracker::Impl::Backoff(int attempt, int64_t retry_after_ms) {
  sleep_(BackoffMs(attempt, retry_after_ms));
}

Result<HttpResponse> RestTracker::Impl::Send(HttpRequest request, const std::string& what,
                                             Retry retry) {
  for (const auto& h : AuthHeaders()) request.headers.push_back(h);
  request.headers.emplace_back("User-Agent", "retrain-mlflow-client");
  const int attempts = retry == Retry::kYes ? std::max(1, options_.retry.max_attempts) : 1;
  for (int attempt = 1;; ++attempt) {
    auto response = transport_(request);
    int64_t retry_after = 0;
    Error error;
    if (!response) {
      error = response.error();
      error.message = "MLflow " + what + ": " + error.message;
      if (!IsRetryable(error.code)) return std::unexpected(error);
    } else if (response->status >= 200 && response->status < 300) {
      return std::move(*response);
    } else {
      error = ErrorForResponse(what, *response);
      if (!IsRetryableStatus(response->status)) return std::unexpected(error);
      retry_after = RetryAfterMs(*response);
    }
    if (attempt >= attempts) {
      if (attempts > 1)
        error.message += " (gave up after " + std::to_string(attempts) + " attempts)";
      return std::unexpected(error);
    }
    int64_t wait = BackoffMs(attempt, retry_after);
    // Once per call: the caller says an outage once (DependencyHealth).
    spdlog::debug("{}; retry {}/{} in {} ms", error.message, attempt, attempts - 1, wait);
    sleep_(wait);
  }
}

Result<nlohmann::json> RestTracker::Impl::Get(const std::string& endpoint, const Query& query,
                                              Retry retry) {
  HttpRequest req;
  req.method = "GET";
  req.url = Url(kApi + endpoint);
  char sep = '?';
  for (const auto& [k, v] : query) {
    req.url += sep + PercentEncode(k) + "=" + PercentEncode(v);
    sep = '&';
  }
  req.timeout_ms = options_.timeout_ms;
  auto response = Send(std::move(req), "GET " + endpoint, retry);
  if (!response) return std::unexpected(response.error());
  try {
    return response->body.empty() ? nlohmann::json::object()
                                  : nlohmann::json::parse(response->body);
  } catch (const nlohmann::json::exception&) {
    return Fail(ErrorCode::kUnavailable,
                "MLflow GET " + endpoint +
                    " answered with a body that is not JSON: " + Excerpt(response->body));
  }
}

Result<nlohmann::json> RestTracker::Impl::Post(const std::string& endpoint,
                                               const nlohmann::json& body, Retry retry,
                                               const std::string& method) {
  HttpRequest req;
  req.method = method;
  req.url = Url(kApi + endpoint);
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  req.timeout_ms = options_.timeout_ms;
  auto response = Send(std::move(req), method + " " + endpoint, retry);
  if (!response) return std::unexpected(response.error());
  try {
    return response->body.empty() ? nlohmann::json::object()
                                  : nlohmann::json::parse(response->body);
  } catch (const nlohmann::json::exception&) {
    return Fail(ErrorCode::kUnavailable,
                "MLflow " + method + " " + endpoint +
                    " answered with a body that is not JSON: " + Excerpt(response->body));
  }
}

}  // namespace retrain
