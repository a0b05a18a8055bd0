#include "exec/local/local_executor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace retrain {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// True when the process is gone or a zombie (an orphan whose reaper has not run yet).
bool IsDead(pid_t pid) {
  if (kill(pid, 0) != 0) return errno == ESRCH;
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

template <typename Predicate>
bool Eventually(Predicate predicate, milliseconds limit = milliseconds(3000)) {
  auto deadline = steady_clock::now() + limit;
  while (steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return predicate();
}

class LocalExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "retrain-exec-local-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    log_dir_ = dir_ / "logs" / "nested";
  }
  void TearDown() override {
    executor_.reset();
    fs::remove_all(dir_);
  }

  LocalExecutor& Make(int max_concurrent = 2, int64_t grace_ms = 200,
                      std::vector<std::string> default_command = {}) {
    auto created = LocalExecutor::Create({.clock = clock_,
                                          .log_dir = log_dir_.string(),
                                          .max_concurrent = max_concurrent,
                                          .default_command = std::move(default_command),
                                          .kill_grace_ms = grace_ms});
    EXPECT_TRUE(created.has_value()) << created.error().message;
    executor_ = std::move(*created);
    return *executor_;
  }

  // A spec that runs `script` with /bin/sh -c. The model lives in the fixture.
  ExecSpec Shell(const std::string& job_id, const std::string& script, int attempt = 1) {
    return Command(job_id, {"/bin/sh", "-c", script}, attempt);
  }
  ExecSpec Command(const std::string& job_id, std::vector<std::string> command, int attempt = 1) {
    auto& model = models_[job_id + "#" + std::to_string(attempt)];
    model.id = "model-" + job_id;
    model.command = std::move(command);
    ExecSpec spec;
    spec.job_id = job_id;
    spec.attempt = attempt;
    spec.model = &model;
    spec.env = {{"MODEL_ID", model.id}, {"RETRAINING_JOB_ID", job_id}};
    spec.callback_token = "tok-s3cret-value";
    spec.timeout_ms = 60'000;
    return spec;
  }

  ExecObservation WaitDone(const std::string& job_id) {
    ExecObservation last;
    Eventually([&] {
      last = *executor_->Observe(job_id);
      return last.phase != ExecPhase::kRunning;
    });
    return last;
  }

  fs::path LogOf(const std::string& job_id, int attempt = 1) {
    return log_dir_ / (job_id + "-attempt" + std::to_string(attempt) + ".log");
  }

  SystemClock clock_;
  fs::path dir_, log_dir_;
  std::map<std::string, ModelSettings> models_;
  std::unique_ptr<LocalExecutor> executor_;
};

TEST_F(LocalExecutorTest, SuccessWritesPrivateLogInCreatedDirectory) {
  auto& exec = Make();
  EXPECT_EQ(exec.Name(), "local");
  auto submitted = exec.Submit(Shell("job-ok", "echo hello; echo oops >&2"));
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  EXPECT_FALSE(submitted->kubernetes_job_name.has_value());
  EXPECT_FALSE(submitted->kubernetes_namespace.has_value());
  auto done = WaitDone("job-ok");
  EXPECT_EQ(done.phase, ExecPhase::kSucceeded) << done.message;
  EXPECT_EQ(ReadFile(LogOf("job-ok")), "hello\noops\n");
  struct stat st {};
  ASSERT_EQ(stat(LogOf("job-ok").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(LocalExecutorTest, NonZeroExitReportsStatusAndLastLogLine) {
  auto& exec = Make();
  ASSERT_TRUE(
      exec.Submit(Shell("job-fail", "echo first; echo '  boom: bad input  '; echo; exit 3")));
  auto done = WaitDone("job-fail");
  EXPECT_EQ(done.phase, ExecPhase::kFailed);
  EXPECT_EQ(done.message, "worker exited with status 3 (last log line: boom: bad input)");
}

TEST_F(LocalExecutorTest, LongLastLineIsTrimmed) {
  auto& exec = Make();
  std::string long_line(500, 'x');
  ASSERT_TRUE(exec.Submit(Shell("job-long", "echo " + long_line + "; exit 1")));
  auto done = WaitDone("job-long");
  EXPECT_EQ(done.message,
            "worker exited with status 1 (last log line: " + std::string(200, 'x') + "...)");
}

TEST_F(LocalExecutorTest, SignalDeathIsReported) {
  auto& exec = Make();
  ASSERT_TRUE(exec.Submit(Shell("job-sig", "kill -9 $$")));
  auto done = WaitDone("job-sig");
  EXPECT_EQ(done.phase, ExecPhase::kFailed);
  EXPECT_EQ(done.message, "worker killed by signal 9");
}

TEST_F(LocalExecutorTest, EnvironmentIsExactlyTheSpecPlusInheritedBasics) {
  setenv("LANG", "C.UTF-8", 1);
  setenv("TZ", "UTC", 1);
  setenv("RETRAIN_TEST_LEAK", "must-not-appear", 1);
  auto& exec = Make();
  ExecSpec spec = Command("job-env", {"/usr/bin/env"});
  spec.env["FEED_URI"] = "embedded:///x";
  ASSERT_TRUE(exec.Submit(spec));
  ASSERT_EQ(WaitDone("job-env").phase, ExecPhase::kSucceeded);
  unsetenv("RETRAIN_TEST_LEAK");

  std::set<std::string> lines;
  std::istringstream log(ReadFile(LogOf("job-env")));
  for (std::string line; std::getline(log, line);) lines.insert(line);
  std::set<std::string> expected = {"MODEL_ID=model-job-env",
                                    "RETRAINING_JOB_ID=job-env",
                                    "FEED_URI=embedded:///x",
                                    "LANG=C.UTF-8",
                                    "TZ=UTC",
                                    "RETRAINING_CALLBACK_TOKEN=tok-s3cret-value"};
  for (const char* name : {"PATH", "HOME"}) {
    if (const char* value = getenv(name)) expected.insert(std::string(name) + "=" + value);
  }
  EXPECT_EQ(lines, expected);
}

TEST_F(LocalExecutorTest, TokenIsNotOnTheCommandLine) {
  auto& exec = Make();
  ASSERT_TRUE(exec.Submit(Shell("job-argv", "tr '\\0' ' ' < /proc/$$/cmdline; echo")));
  ASSERT_EQ(WaitDone("job-argv").phase, ExecPhase::kSucceeded);
  std::string cmdline = ReadFile(LogOf("job-argv"));
  EXPECT_NE(cmdline.find("/bin/sh -c"), std::string::npos) << cmdline;
  EXPECT_EQ(cmdline.find("tok-s3cret-value"), std::string::npos) << cmdline;
}

TEST_F(LocalExecutorTest, DefaultCommandIsUsedWhenModelHasNone) {
  auto& exec = Make(2, 200, {"/bin/sh", "-c", "echo default worker"});
  ExecSpec spec = Command("job-default", {});
  ASSERT_TRUE(exec.Submit(spec));
  ASSERT_EQ(WaitDone("job-default").phase, ExecPhase::kSucceeded);
  EXPECT_EQ(ReadFile(LogOf("job-default")), "default worker\n");
}

TEST_F(LocalExecutorTest, SubmitIsIdempotentPerAttempt) {
  auto& exec = Make();
  ExecSpec spec = Shell("job-once", "echo started; sleep 0.2");
  ASSERT_TRUE(exec.Submit(spec));
  ASSERT_TRUE(exec.Submit(spec));
  EXPECT_EQ(exec.Observe("job-once")->phase, ExecPhase::kRunning);
  ASSERT_EQ(WaitDone("job-once").phase, ExecPhase::kSucceeded);
  ASSERT_TRUE(exec.Submit(spec));  // finished: still adopted, not re-run
  EXPECT_EQ(exec.Observe("job-once")->phase, ExecPhase::kSucceeded);
  EXPECT_EQ(ReadFile(LogOf("job-once")), "started\n");
}

TEST_F(LocalExecutorTest, NewAttemptReplacesTheOldOne) {
  auto& exec = Make();
  ASSERT_TRUE(exec.Submit(Shell("job-retry", "sleep 5", 1)));
  ASSERT_TRUE(exec.Submit(Shell("job-retry", "echo second", 2)));
  ASSERT_EQ(WaitDone("job-retry").phase, ExecPhase::kSucceeded);
  EXPECT_EQ(ReadFile(LogOf("job-retry", 2)), "second\n");
}

TEST_F(LocalExecutorTest, ConcurrencyLimitAsksToRetryLater) {
  auto& exec = Make(1);
  ASSERT_TRUE(exec.Submit(Shell("job-a", "sleep 5")));
  auto refused = exec.Submit(Shell("job-b", "echo b"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(refused.error().message.find("max_concurrent 1"), std::string::npos);
  EXPECT_EQ(exec.Observe("job-b")->phase, ExecPhase::kUnknown);
  EXPECT_TRUE(exec.Submit(Shell("job-a", "sleep 5")));  // adopting needs no slot
  ASSERT_TRUE(exec.Cancel("job-a"));
  auto accepted = exec.Submit(Shell("job-b", "echo b"));
  EXPECT_TRUE(accepted.has_value()) << accepted.error().message;
  EXPECT_EQ(WaitDone("job-b").phase, ExecPhase::kSucceeded);
}

TEST_F(LocalExecutorTest, TimeoutKillsTheWorker) {
  auto& exec = Make();
  ExecSpec spec = Shell("job-slow", "echo $$ > " + (dir_ / "pid").string() + "; exec sleep 10");
  spec.timeout_ms = 300;
  ASSERT_TRUE(exec.Submit(spec));
  auto done = WaitDone("job-slow");
  EXPECT_EQ(done.phase, ExecPhase::kFailed);
  EXPECT_EQ(done.message, "worker exceeded its timeout of 300ms");
  pid_t pid = std::stoi(ReadFile(dir_ / "pid"));
  EXPECT_TRUE(Eventually([&] { return IsDead(pid); }));
}

TEST_F(LocalExecutorTest, CancelKillsTheWholeProcessGroupWithoutBlocking) {
  // A long grace: the grandchild is still alive when Cancel returns only if Cancel did not wait.
  auto& exec = Make(2, 2000);
  fs::path pid_file = dir_ / "grandchild";
  // The grandchild ignores SIGTERM, so only the SIGKILL after the grace stops it.
  std::string script = "(trap '' TERM; while :; do sleep 0.05; done) & echo $! > " +
                       pid_file.string() + ".tmp; mv " + pid_file.string() + ".tmp " +
                       pid_file.string() + "; wait";
  ASSERT_TRUE(exec.Submit(Shell("job-cancel", script)));
  ASSERT_TRUE(Eventually([&] { return fs::exists(pid_file); }));
  pid_t grandchild = std::stoi(ReadFile(pid_file));
  ASSERT_TRUE(exec.Cancel("job-cancel"));
  EXPECT_FALSE(IsDead(grandchild));
  EXPECT_EQ(exec.Observe("job-cancel")->phase, ExecPhase::kUnknown);
  EXPECT_TRUE(Eventually([&] { return IsDead(grandchild); }, milliseconds(15000)));
  EXPECT_TRUE(exec.Cancel("job-cancel"));  // unknown now: still fine
}

TEST_F(LocalExecutorTest, MissingBinaryGivesAClearError) {
  auto& exec = Make(1);
  auto absolute = exec.Submit(Command("job-missing", {"/nonexistent/retrain-worker", "worker"}));
  ASSERT_FALSE(absolute.has_value());
  EXPECT_EQ(absolute.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(
      absolute.error().message,
      "could not start worker command /nonexistent/retrain-worker: No such file or directory");
  EXPECT_EQ(exec.Observe("job-missing")->phase, ExecPhase::kUnknown);

  auto bare = exec.Submit(Command("job-missing", {"no-such-retrain-worker"}));
  ASSERT_FALSE(bare.has_value());
  EXPECT_EQ(bare.error().message,
            "could not start worker command no-such-retrain-worker: No such file or directory");

  fs::path not_executable = dir_ / "not-executable";
  std::ofstream(not_executable) << "#!/bin/sh\n";
  auto denied = exec.Submit(Command("job-missing", {not_executable.string()}));
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(denied.error().message,
            "could not start worker command " + not_executable.string() + ": Permission denied");

  // Failed starts hold no slot.
  EXPECT_TRUE(exec.Submit(Shell("job-after", "true")));
}

TEST_F(LocalExecutorTest, UnknownJobIsReportedAsUnknown) {
  auto& exec = Make();
  auto observed = exec.Observe("never-started");
  ASSERT_TRUE(observed.has_value());
  EXPECT_EQ(observed->phase, ExecPhase::kUnknown);
  EXPECT_TRUE(exec.Cancel("never-started"));
}

TEST_F(LocalExecutorTest, DestructorKillsRemainingWorkers) {
  Make();
  fs::path pid_file = dir_ / "pid";
  ASSERT_TRUE(
      executor_->Submit(Shell("job-left", "echo $$ > " + pid_file.string() + "; sleep 10")));
  ASSERT_TRUE(Eventually([&] { return !ReadFile(pid_file).empty(); }));
  pid_t pid = std::stoi(ReadFile(pid_file));
  executor_.reset();
  EXPECT_TRUE(IsDead(pid));
}

TEST_F(LocalExecutorTest, RejectsBadOptionsAndJobIds) {
  auto no_dir = LocalExecutor::Create({.clock = clock_, .log_dir = "", .default_command = {}});
  ASSERT_FALSE(no_dir.has_value());
  EXPECT_EQ(no_dir.error().code, ErrorCode::kInvalidArgument);
  auto zero = LocalExecutor::Create(
      {.clock = clock_, .log_dir = log_dir_, .max_concurrent = 0, .default_command = {}});
  ASSERT_FALSE(zero.has_value());
  EXPECT_EQ(zero.error().code, ErrorCode::kInvalidArgument);

  auto& exec = Make();
  auto bad_id = exec.Submit(Shell("../escape", "true"));
  ASSERT_FALSE(bad_id.has_value());
  EXPECT_EQ(bad_id.error().code, ErrorCode::kInvalidArgument);
  auto no_command = exec.Submit(Command("job-empty", {}));
  ASSERT_FALSE(no_command.has_value());
  EXPECT_EQ(no_command.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace retrain
