#include "exec/local/local_executor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

namespace retrain {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr int64_t kLogTailBytes = 8192;
constexpr size_t kMaxLogLineBytes = 200;
constexpr const char* kTokenVariable = "RETRAINING_CALLBACK_TOKEN";
constexpr const char* kInheritedVariables[] = {"PATH", "HOME", "LANG", "TZ"};

std::string ErrnoText(int err) { return std::generic_category().message(err); }

// What the background thread needs to start one worker; built by the caller of Submit.
struct LaunchPlan {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string log_path;
};

struct LaunchRequest {
  LaunchPlan plan;
  std::promise<Result<pid_t>> started;
};

enum class ChildState { kStarting, kRunning, kDone };

// One job's current attempt.
struct Child {
  int attempt = 0;
  uint64_t generation = 0;  // tells a Submit whether its entry was replaced while starting
  ChildState state = ChildState::kStarting;
  pid_t pid = -1;  // also the process group id; valid in kRunning
  std::string log_path;
  int64_t timeout_ms = 0;
  int64_t deadline_ms = 0;  // 0 = no deadline
  ExecObservation result;   // valid in kDone
};

// A process group being stopped: SIGTERM was sent; SIGKILL follows at kill_at_ms. The leader is
// reaped only after SIGKILL, so its pid (the group id) cannot be reused before then.
struct Dying {
  pid_t pid;
  int64_t kill_at_ms;
  bool killed = false;
};

bool UsableJobId(const std::string& id) {
  if (id.empty() || id.size() > 200 || id.front() == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::unexpected<Error> StartFailure(const std::string& program, int err) {
  return Fail(
      err == EACCES || err == EPERM ? ErrorCode::kPermissionDenied : ErrorCode::kFailedPrecondition,
      "could not start worker command " + program + ": " + ErrnoText(err));
}

// Looks a program name up in PATH as execvp would (done before fork, not in the child).
std::optional<std::string> SearchPath(const std::string& program, const std::string& path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

// Returns `fd` moved to a number >= 3 (close-on-exec), so dup2 onto 0..2 never aliases it.
int AboveStdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return moved;
}

// Runs in the forked child: only async-signal-safe calls until execve. Reports an exec
// failure's errno through `err_fd` (close-on-exec, so a successful exec closes it silently).
[[noreturn]] void ExecChild(const char* program, char* const argv[], char* const envp[],
                            int null_fd, int log_fd, int err_fd, pid_t parent) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the orchestrator died before the prctl took effect
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  if (dup2(null_fd, 0) >= 0 && dup2(log_fd, 1) >= 0 && dup2(log_fd, 2) >= 0) {
    execve(program, argv, envp);
  }
  int err = errno;
  ssize_t ignored = write(err_fd, &err, sizeof err);
  (void)ignored;
  _exit(127);
}

// Starts one worker; runs on the background thread so that thread is the death-signal parent.
Result<pid_t> Launch(const LaunchPlan& plan) {
  const std::string& name = plan.argv.front();
  std::string program = name;
  if (name.find('/') == std::string::npos) {
    auto path = plan.env.find("PATH");
    auto found = SearchPath(name, path != plan.env.end() ? path->second : "/usr/bin:/bin");
    if (!found) return StartFailure(name, ENOENT);
    program = *found;
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(plan.log_path).parent_path(), ec);
  int log_fd = AboveStdio(
      open(plan.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600));
  if (log_fd < 0) {
    return Fail(ErrorCode::kUnavailable,
                "could not open worker log " + plan.log_path + ": " + ErrnoText(errno));
  }
  fchmod(log_fd, 0600);
  int null_fd = AboveStdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
  int pipe_fds[2] = {-1, -1};
  if (null_fd < 0 || pipe2(pipe_fds, O_CLOEXEC) != 0 ||
      (pipe_fds[0] = AboveStdio(pipe_fds[0])) < 0 || (pipe_fds[1] = AboveStdio(pipe_fds[1])) < 0) {
    int err = errno;
    for (int fd : {log_fd, null_fd, pipe_fds[0], pipe_fds[1]}) {
      if (fd >= 0) close(fd);
    }
    return Fail(ErrorCode::kUnavailable, "could not prepare the worker process: " + ErrnoText(err));
  }

  // Everything the child touches is allocated before fork.
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : plan.env) env_strings.push_back(key + "=" + value);
  std::vector<char*> argv, envp;
  for (const auto& arg : plan.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  for (auto& entry : env_strings) envp.push_back(entry.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  pid_t parent = getpid();

  pid_t pid = fork();
  if (pid == 0) {
    ExecChild(program.c_str(), argv.data(), envp.data(), null_fd, log_fd, pipe_fds[1], parent);
  }
  int fork_errno = errno;
  close(pipe_fds[1]);
  close(log_fd);
  close(null_fd);
  if (pid < 0) {
    close(pipe_fds[0]);
    return Fail(ErrorCode::kUnavailable,
                "could not fork a worker process: " + ErrnoText(fork_errno));
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(pipe_fds[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(pipe_fds[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    waitpid(pid, nullptr, 0);
    return StartFailure(name, child_errno);
  }
  return pid;
}

// The last non-empty line of the log, trimmed, at most kMaxLogLineBytes (UTF-8 safe).
std::string LastLogLine(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat st {};
  std::string tail;
  if (fstat(fd, &st) == 0) {
    int64_t offset = std::max<int64_t>(0, st.st_size - kLogTailBytes);
    tail.resize(static_cast<size_t>(st.st_size - offset));
    ssize_t n = pread(fd, tail.data(), tail.size(), offset);
    tail.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  close(fd);
  constexpr const char* kSpace = " \t\r\n\f\v";
  size_t end = tail.find_last_not_of(kSpace);
  if (end == std::string::npos) return {};
  size_t start = tail.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  std::string line = tail.substr(start, end + 1 - start);
  line.erase(0, line.find_first_not_of(kSpace));
  if (line.size() > kMaxLogLineBytes) {
    size_t cut = kMaxLogLineBytes;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    line = line.substr(0, cut) + "...";
  }
  return line;
}

ExecObservation DescribeExit(int status, const std::string& log_path) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {ExecPhase::kSucceeded, ""};
  std::string message = WIFEXITED(status)
                            ? "worker exited with status " + std::to_string(WEXITSTATUS(status))
                            : "worker killed by signal " + std::to_string(WTERMSIG(status));
  std::string line = LastLogLine(log_path);
  if (!line.empty()) message += " (last log line: " + line + ")";
  return {ExecPhase::kFailed, message};
}

}  // namespace

struct LocalExecutor::State {
  explicit State(const LocalExecutorOptions& o) : options(o) {}

  const LocalExecutorOptions options;
  std::mutex mu;                       // guards every member below except `thread`
  std::condition_variable wake;        // new launch request, or stopping
  std::map<std::string, Child> jobs;   // by job id: the current attempt
  std::vector<Dying> dying;            // groups cancelled, replaced or timed out
  std::deque<LaunchRequest> launches;  // filled by Submit, drained by the background thread
  uint64_t next_generation = 0;
  bool stopping = false;
  std::thread thread;  // the background thread; joined by ~LocalExecutor

  int64_t Now() const { return options.clock.NowMs(); }

  // Starts stopping a running group (SIGTERM now, SIGKILL after the grace). Requires mu.
  void Stop(pid_t pid) {
    kill(-pid, SIGTERM);
    dying.push_back({pid, Now() + options.kill_grace_ms});
  }

  // Records exits, enforces deadlines and escalates kills. Requires mu.
  void Poll() {
    int64_t now = Now();
    for (auto& [id, child] : jobs) {
      if (child.state != ChildState::kRunning) continue;
      siginfo_t info{};
      int rc = waitid(P_PID, child.pid, &info, WEXITED | WNOHANG | WNOWAIT);
      if (rc == 0 && info.si_pid == child.pid) {
        kill(-child.pid, SIGKILL);  // what the worker left behind; the zombie holds the group id
        int status = 0;
        waitpid(child.pid, &status, 0);
        child.state = ChildState::kDone;
        child.result = DescribeExit(status, child.log_path);
      } else if (rc != 0 && errno == ECHILD) {
        child.state = ChildState::kDone;
        child.result = {ExecPhase::kFailed, "worker exit status was lost (reaped elsewhere)"};
      } else if (child.deadline_ms != 0 && now >= child.deadline_ms) {
        Stop(child.pid);
        child.state = ChildState::kDone;
        child.result = {ExecPhase::kFailed,
                        "worker exceeded its timeout of " + FormatDuration(child.timeout_ms)};
      }
    }
    std::erase_if(dying, [now](Dying& d) {
      if (!d.killed && now >= d.kill_at_ms) {
        kill(-d.pid, SIGKILL);
        d.killed = true;
      }
      return d.killed && waitpid(d.pid, nullptr, WNOHANG) != 0;
    });
  }

  void Run() {
    std::unique_lock lock(mu);
    while (true) {
      while (!launches.empty()) {
        LaunchRequest request = std::move(launches.front());
        launches.pop_front();
        lock.unlock();
        request.started.set_value(Launch(request.plan));
        lock.lock();
      }
      if (stopping) return;
      Poll();
      wake.wait_for(lock, kPollInterval, [this] { return stopping || !launches.empty(); });
    }
  }
};

LocalExecutor::LocalExecutor(std::unique_ptr<State> state) : state_(std::move(state)) {
  state_->thread = std::thread([s = state_.get()] { s->Run(); });
}

Result<std::unique_ptr<LocalExecutor>> LocalExecutor::Create(const LocalExecutorOptions& options) {
  if (options.log_dir.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "the local executor needs a log directory");
  }
  if (options.max_concurrent < 1) {
    return Fail(ErrorCode::kInvalidArgument,
                "the local executor's max_concurrent must be at least 1, not " +
                    std::to_string(options.max_concurrent));
  }
  if (options.kill_grace_ms < 0) {
    return Fail(ErrorCode::kInvalidArgument, "the local executor's kill grace cannot be negative");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.log_dir, ec);
  if (ec) {
    return Fail(
        ec == std::errc::permission_denied ? ErrorCode::kPermissionDenied : ErrorCode::kUnavailable,
        "could not create the worker log directory " + options.log_dir + ": " + ec.message());
  }
  return std::unique_ptr<LocalExecutor>(new LocalExecutor(std::make_unique<State>(options)));
}

LocalExecutor::~LocalExecutor() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    s.stopping = true;
  }
  s.wake.notify_all();
  s.thread.join();
  std::lock_guard lock(s.mu);
  for (auto& [id, child] : s.jobs) {
    if (child.state == ChildState::kRunning) s.dying.push_back({child.pid, 0});
  }
  for (const Dying& d : s.dying) {
    if (!d.killed) kill(-d.pid, SIGKILL);
    waitpid(d.pid, nullptr, 0);
  }
}

Result<SubmitResult> LocalExecutor::Submit(const ExecSpec& spec) {
  State& s = *state_;
  if (!UsableJobId(spec.job_id)) {
    return Fail(ErrorCode::kInvalidArgument,
                "job id '" + spec.job_id + "' cannot name a worker log file");
  }
  const std::vector<std::string>& command = spec.model != nullptr && !spec.model->command.empty()
                                                ? spec.model->command
                                                : s.options.default_command;
  if (command.empty() || command.front().empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "job " + spec.job_id + " has no worker command and no default is configured");
  }
  LaunchPlan plan{
      command, spec.env,
      s.options.log_dir + "/" + spec.job_id + "-attempt" + std::to_string(spec.attempt) + ".log"};
  for (const char* name : kInheritedVariables) {
    const char* value = getenv(name);
    if (value != nullptr && !plan.env.contains(name)) plan.env[name] = value;
  }
  if (!spec.callback_token.empty()) plan.env[kTokenVariable] = spec.callback_token;

  std::future<Result<pid_t>> started;
  uint64_t generation = 0;
  {
    std::lock_guard lock(s.mu);
    auto it = s.jobs.find(spec.job_id);
    if (it != s.jobs.end() && it->second.attempt == spec.attempt) return SubmitResult{};
    auto active = std::count_if(s.jobs.begin(), s.jobs.end(), [&](const auto& entry) {
      return entry.second.state != ChildState::kDone && entry.first != spec.job_id;
    });
    if (active >= s.options.max_concurrent) {
      return Fail(ErrorCode::kResourceExhausted,
                  "the local executor is already running " + std::to_string(active) +
                      " workers (max_concurrent " + std::to_string(s.options.max_concurrent) +
                      "); job " + spec.job_id + " will start when one finishes");
    }
    if (it != s.jobs.end()) {
      if (it->second.state == ChildState::kRunning) s.Stop(it->second.pid);
      s.jobs.erase(it);
    }
    generation = ++s.next_generation;
    Child child;
    child.attempt = spec.attempt;
    child.generation = generation;
    child.log_path = plan.log_path;
    child.timeout_ms = spec.timeout_ms;
    s.jobs.emplace(spec.job_id, std::move(child));
    s.launches.push_back(LaunchRequest{std::move(plan), {}});
    started = s.launches.back().started.get_future();
  }
  s.wake.notify_all();
  Result<pid_t> pid = started.get();

  std::lock_guard lock(s.mu);
  auto it = s.jobs.find(spec.job_id);
  bool ours = it != s.jobs.end() && it->second.generation == generation;
  if (!pid) {
    if (ours) s.jobs.erase(it);
    return std::unexpected(pid.error());
  }
  if (!ours) {
    s.Stop(*pid);
    return Fail(ErrorCode::kAborted,
                "job " + spec.job_id + " was cancelled or replaced while its worker was starting");
  }
  it->second.pid = *pid;
  it->second.state = ChildState::kRunning;
  it->second.deadline_ms = spec.timeout_ms > 0 ? s.Now() + spec.timeout_ms : 0;
  return SubmitResult{};
}

Result<ExecObservation> LocalExecutor::Observe(const std::string& job_id) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  auto it = s.jobs.find(job_id);
  if (it == s.jobs.end()) {
    return ExecObservation{ExecPhase::kUnknown,
                           "the local executor has no worker for job " + job_id};
  }
  if (it->second.state == ChildState::kDone) return it->second.result;
  return ExecObservation{ExecPhase::kRunning, ""};
}

Status LocalExecutor::Cancel(const std::string& job_id) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  auto it = s.jobs.find(job_id);
  if (it == s.jobs.end()) return {};
  if (it->second.state == ChildState::kRunning) s.Stop(it->second.pid);
  s.jobs.erase(it);
  return {};
}

}  // namespace retrain
