#pragma once
// The local executor: runs each job attempt as a child process of the orchestrator.
//
// Each attempt runs `model->command` (or the default command, normally `retrain worker`) with
// exactly the worker environment of the ExecSpec plus PATH, HOME, LANG and TZ copied from the
// orchestrator (a value in the spec wins) plus RETRAINING_CALLBACK_TOKEN. The token is passed
// only through the environment, never on the command line, and this executor never logs it.
// The child gets stdin from /dev/null, stdout and stderr appended to
// <log_dir>/<job_id>-attempt<N>.log (mode 0600), the orchestrator's working directory, default
// signal dispositions and mask, and its own process group, so a timeout or a cancel stops
// everything the worker started. When the worker exits, whatever it left running in its
// process group is killed.
//
// Lifetime: workers die with the orchestrator (PR_SET_PDEATHSIG = SIGKILL). After a restart
// this executor knows none of them, Observe returns kUnknown, and the reconciler starts a new
// attempt of the job. Destroying the executor kills every worker it started.
//
// Thread safety: all public methods may be called from any thread. Processes are started by
// the executor's own background thread (the death signal is tied to the thread that forks, so
// a short-lived caller thread must not be the parent); the same thread reaps exits (only the
// pids it started, never waitpid(-1)), enforces timeouts and escalates SIGTERM to SIGKILL.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "exec/executor.h"

namespace retrain {

struct LocalExecutorOptions {
  // Deadlines (spec.timeout_ms) and the kill grace are measured on this clock. Must be
  // thread-safe (SystemClock) and outlive the executor.
  Clock& clock;
  // Worker logs go here; created (with parents) when missing.
  std::string log_dir;
  // Submit beyond this many running workers returns kResourceExhausted.
  int max_concurrent = 2;
  // argv used when ModelSettings::command is empty, e.g. {"/usr/bin/retrain", "worker"}.
  // A program name without '/' is looked up in the worker's PATH.
  std::vector<std::string> default_command;
  // Time between SIGTERM and SIGKILL when a worker is cancelled or exceeds its timeout.
  int64_t kill_grace_ms = 5000;
};

class LocalExecutor final : public Executor {
 public:
  // Validates the options (kInvalidArgument), creates log_dir (kPermissionDenied /
  // kUnavailable when that fails) and starts the background thread.
  [[nodiscard]] static Result<std::unique_ptr<LocalExecutor>> Create(
      const LocalExecutorOptions& options);

  // Kills every remaining worker group (SIGKILL), reaps them and joins the thread.
  ~LocalExecutor() override;

  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  std::string Name() const override { return "local"; }

  // Starts attempt spec.attempt of spec.job_id. Succeeds without starting anything when that
  // attempt is already starting, running or finished here. A different attempt of the same job
  // replaces the old one (which is stopped like Cancel). Returns SubmitResult with no
  // Kubernetes fields. Errors:
  //   kInvalidArgument    job id unusable as a file name, or no command at all
  //   kResourceExhausted  max_concurrent workers are running; retry later
  //   kFailedPrecondition the command cannot be started ("could not start worker command X:
  //                       No such file or directory"); kPermissionDenied for EACCES
  //   kUnavailable        the log file, pipe or fork failed (retry)
  [[nodiscard]] Result<SubmitResult> Submit(const ExecSpec& spec) override;

  // kRunning while the worker lives; kSucceeded on exit 0; kFailed with a message on a non-zero
  // exit ("worker exited with status 3 (last log line: ...)"), a signal ("worker killed by
  // signal 9") or a timeout ("worker exceeded its timeout of 1h"); kUnknown when this executor
  // never started the job (or it was cancelled). Never fails.
  [[nodiscard]] Result<ExecObservation> Observe(const std::string& job_id) override;

  // Sends SIGTERM to the job's process group and forgets the job; the background thread sends
  // SIGKILL after the grace period. Does not block. Succeeds for unknown jobs.
  [[nodiscard]] Status Cancel(const std::string& job_id) override;

 private:
  struct State;
  explicit LocalExecutor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace retrain
