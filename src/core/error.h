#pragma once
// Errors as values. Every fallible call returns Result<T> = std::expected<T, Error>.
// The ErrorCode is chosen by what the caller should do next (after abseil's Status):
//   kUnavailable        retry the same call later (dependency down, timeout)
//   kAborted            retry the whole read-modify-write (a concurrent change won)
//   kFailedPrecondition do not retry until the state is fixed (e.g. not enough data)
//   kInvalidArgument    the caller's input is wrong; never retry
// One table (HttpStatusFor) maps codes to HTTP statuses. The REST/GraphQL code of an error is
// its `api_code` (snake_case), e.g. "insufficient_data"; GraphQL uses its SCREAMING form.

#include <cstdint>
#include <expected>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace retrain {

enum class ErrorCode {
  kInvalidArgument,       // 400 / 422: bad input
  kUnauthenticated,       // 401
  kPermissionDenied,      // 403
  kNotFound,              // 404
  kAlreadyExists,         // 409
  kFailedPrecondition,    // 409: state forbids it (job active, insufficient data, finished)
  kAborted,               // 409: lost a race; retry the whole operation
  kPayloadTooLarge,       // 413
  kUnsupportedMediaType,  // 415
  kUnprocessable,         // 422: valid syntax, invalid values
  kResourceExhausted,     // 429
  kDeadlineExceeded,      // 504 / retry
  kUnavailable,           // 503: dependency down; retry later
  kInternal,              // 500: a bug or corrupted state
};

// A detail value attached to an error (rendered into "details" of the REST body).
using DetailValue = std::variant<std::string, int64_t, double, bool>;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string api_code;  // snake_case machine code, e.g. "job_not_found"
  std::string message;   // one human sentence
  std::vector<std::pair<std::string, DetailValue>> details;

  Error& With(std::string key, DetailValue value) {
    details.emplace_back(std::move(key), std::move(value));
    return *this;
  }
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

// Builds an unexpected Error. The api_code defaults to the generic code of `code`.
[[nodiscard]] std::unexpected<Error> Fail(ErrorCode code, std::string message,
                                          std::string api_code = {});

// Generic snake_case name of a code ("invalid_argument", "not_found", ...).
const char* CodeName(ErrorCode code);
// The HTTP status an error with this code is answered with.
int HttpStatusFor(ErrorCode code);
// True when the caller should simply try the same call again later.
bool IsRetryable(ErrorCode code);
// "job_not_found" -> "JOB_NOT_FOUND".
std::string ScreamingCode(std::string_view snake);

}  // namespace retrain
