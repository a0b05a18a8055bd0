#pragma once
// Where the worker reports its progress: the job's events endpoint
// (POST /retraining/jobs/{jobId}/events, CONTRACT section 3).

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/time.h"
#include "http/http_client.h"

namespace retrain {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Delivers one event (a JSON object text such as {"status":"running","progress":0.4}).
  // Errors:
  //   kFailedPrecondition (api_code "invalid_transition")  the job already ended differently
  //                                                        (HTTP 409): stop working on it
  //   kNotFound          the job is unknown (404)
  //   kUnauthenticated / kPermissionDenied   the token was refused (401 / 403)
  //   kInvalidArgument   the body was refused (400, 422 and other 4xx)
  //   kUnavailable / kDeadlineExceeded       the receiver stayed unreachable or failing
  [[nodiscard]] virtual Status Post(const std::string& json_body) = 0;
};

struct HttpEventSinkOptions {
  std::string url;    // the job's events URL (RETRAINING_CALLBACK_URL)
  std::string token;  // sent as "Authorization: Bearer <token>" when non-empty; never logged
  int64_t retry_budget_ms = 60'000;  // keep retrying transient failures this long
  int64_t initial_backoff_ms = 250;  // first wait; doubles up to max_backoff_ms
  int64_t max_backoff_ms = 5'000;
  int64_t request_timeout_ms = 10'000;
};

// POSTs events as application/json. Transient failures (transport errors, timeouts, 5xx, 429)
// are retried with capped exponential backoff until retry_budget_ms has passed since the first
// attempt (the orchestrator may be restarting); every other status is final at once.
// Not thread-safe (the worker posts from one thread).
class HttpEventSink final : public EventSink {
 public:
  using SendFn = std::function<Result<HttpResponse>(const HttpRequest&)>;
  using SleepFn = std::function<void(int64_t ms)>;

  // Sends through `send`, reads time from `clock` and waits with `sleep` (tests inject fakes).
  // `clock` must outlive the sink.
  HttpEventSink(HttpEventSinkOptions options, SendFn send, const Clock& clock, SleepFn sleep);

  // The production sink: `client` (which must outlive the sink), the system clock and real
  // sleeps.
  static std::unique_ptr<HttpEventSink> Create(HttpEventSinkOptions options,
                                               const HttpClient& client);

  [[nodiscard]] Status Post(const std::string& json_body) override;

 private:
  HttpEventSinkOptions options_;
  SendFn send_;
  const Clock& clock_;
  SleepFn sleep_;
};

// Writes each event as one line to `out` (for running the worker by hand without an
// orchestrator). Never fails. `out` must outlive the sink.
class StreamEventSink final : public EventSink {
 public:
  explicit StreamEventSink(std::ostream& out) : out_(out) {}
  [[nodiscard]] Status Post(const std::string& json_body) override;

 private:
  std::ostream& out_;
};

// The worker's sink from its environment: an HttpEventSink to RETRAINING_CALLBACK_URL with
// RETRAINING_CALLBACK_TOKEN when the URL is set, else a StreamEventSink on `fallback` (a worker
// started by hand). `client` and `fallback` must outlive the sink.
std::unique_ptr<EventSink> OpenEventSink(const std::map<std::string, std::string>& env,
                                         const HttpClient& client, std::ostream& fallback);

}  // namespace retrain
