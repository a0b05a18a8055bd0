#pragma once
// Where training runs execute: a local child process, or a Kubernetes Job.
//
// The reconciler hands a job to an executor with Submit, asks about it with Observe and stops
// it with Cancel. Every call is keyed by job id and is idempotent: submitting a job the executor
// already has adopts it; cancelling a job it does not know succeeds.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/job.h"
#include "core/model.h"

namespace retrain {

struct ExecSpec {
  std::string job_id;
  int attempt = 1;
  const ModelSettings* model = nullptr;    // outlives the call
  std::map<std::string, std::string> env;  // the worker environment (CONTRACT section 7)
  std::string callback_token;              // secret; never logged
  int64_t timeout_ms = 0;                  // wall-clock limit of this attempt
};

struct SubmitResult {
  std::optional<std::string> kubernetes_job_name;
  std::optional<std::string> kubernetes_namespace;
};

enum class ExecPhase {
  kUnknown,    // the executor has no record of this job (lost, e.g. after a restart)
  kRunning,    // accepted and not finished
  kSucceeded,  // finished with success
  kFailed,     // finished with failure; see `message`
};

struct ExecObservation {
  ExecPhase phase = ExecPhase::kUnknown;
  std::string message;  // why it failed, in one sentence
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string Name() const = 0;  // "local" | "kubernetes"

  // Starts the job's attempt unless it is already running. Errors: kUnavailable (retry),
  // kResourceExhausted (at the concurrency limit; retry later), kAborted (cancelled while
  // starting; retry), kFailedPrecondition (the worker command cannot be started; fix the
  // configuration), kInvalidArgument, kPermissionDenied, kInternal.
  [[nodiscard]] virtual Result<SubmitResult> Submit(const ExecSpec& spec) = 0;

  // What the executor knows about the job's current attempt.
  [[nodiscard]] virtual Result<ExecObservation> Observe(const std::string& job_id) = 0;

  // Stops the job and frees what it holds. Succeeds when the job is unknown.
  [[nodiscard]] virtual Status Cancel(const std::string& job_id) = 0;

  // One cheap call that reaches what runs the workers (for /readyz). Errors: kUnavailable and
  // kDeadlineExceeded when it cannot be reached. Default: nothing to reach.
  [[nodiscard]] virtual Status Ping() { return {}; }
};

}  // namespace retrain
