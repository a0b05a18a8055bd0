#include "trainer/event_sink.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

namespace retrain {
namespace {

bool IsTransientStatus(int status) { return status >= 500 || status == 429 || status == 408; }

// The server's one-sentence reason from a CONTRACT error body, or "".
std::string ServerReason(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "";
  const auto err = j.find("error");
  if (err == j.end() || !err->is_object()) return "";
  const auto msg = err->find("message");
  return msg != err->end() && msg->is_string() ? msg->get<std::string>() : "";
}

std::unexpected<Error> StatusError(int status, const std::string& body) {
  const std::string reason = ServerReason(body);
  const std::string suffix = reason.empty() ? "." : ": " + reason;
  const std::string head = "The orchestrator refused the event with HTTP " + std::to_string(status);
  switch (status) {
    case 409:
      return Fail(ErrorCode::kFailedPrecondition,
                  "The job already ended, so the orchestrator refused the event" + suffix,
                  "invalid_transition");
    case 404:
      return Fail(ErrorCode::kNotFound, head + suffix, "job_not_found");
    case 401:
      return Fail(ErrorCode::kUnauthenticated, head + suffix);
    case 403:
      return Fail(ErrorCode::kPermissionDenied, head + suffix);
    default:
      return Fail(ErrorCode::kInvalidArgument, head + suffix);
  }
}

}  // namespace

HttpEventSink::HttpEventSink(HttpEventSinkOptions options, SendFn send, const Clock& clock,
                             SleepFn sleep)
    : options_(std::move(options)),
      send_(std::move(send)),
      clock_(clock),
      sleep_(std::move(sleep)) {}

std::unique_ptr<HttpEventSink> HttpEventSink::Create(HttpEventSinkOptions options,
                                                     const HttpClient& client) {
  static const SystemClock kClock;
  return std::make_unique<HttpEventSink>(
      std::move(options), [&client](const HttpRequest& r) { return client.Send(r); }, kClock,
      [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); });
}

Status HttpEventSink::Post(const std::string& json_body) {
  HttpRequest request;
  request.method = "POST";
  request.url = options_.url;
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("Accept", "application/json");
  if (!options_.token.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + options_.token);
  }
  request.body = json_body;
  request.timeout_ms = options_.request_timeout_ms;

  const int64_t deadline = clock_.NowMs() + options_.retry_budget_ms;
  int64_t backoff = std::max<int64_t>(1, options_.initial_backoff_ms);
  for (int attempt = 1;; ++attempt) {
    auto response = send_(request);
    std::string last;  // why this attempt failed transiently
    if (response) {
      if (response->status >= 200 && response->status < 300) return {};
      if (!IsTransientStatus(response->status)) {
        return StatusError(response->status, response->body);
      }
      last = "HTTP " + std::to_string(response->status);
    } else if (response.error().code == ErrorCode::kUnavailable ||
               response.error().code == ErrorCode::kDeadlineExceeded) {
      last = response.error().message;
      while (!last.empty() && last.back() == '.') last.pop_back();
    } else {
      return std::unexpected(response.error());
    }
    const int64_t now = clock_.NowMs();
    if (now >= deadline) {
      return Fail(ErrorCode::kUnavailable, "Could not deliver the event to " + options_.url +
                                               " in " + std::to_string(attempt) +
                                               " attempts (last failure: " + last + ").");
    }
    sleep_(std::min(backoff, deadline - now));
    backoff = std::min(backoff * 2, std::max<int64_t>(1, options_.max_backoff_ms));
  }
}

Status StreamEventSink::Post(const std::string& json_body) {
  out_ << json_body << '\n';
  out_.flush();
  return {};
}

std::unique_ptr<EventSink> OpenEventSink(const std::map<std::string, std::string>& env,
                                         const HttpClient& client, std::ostream& fallback) {
  auto get = [&](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  HttpEventSinkOptions options;
  options.url = get("RETRAINING_CALLBACK_URL");
  if (options.url.empty()) return std::make_unique<StreamEventSink>(fallback);
  options.token = get("RETRAINING_CALLBACK_TOKEN");
  return HttpEventSink::Create(std::move(options), client);
}

}  // namespace retrain
