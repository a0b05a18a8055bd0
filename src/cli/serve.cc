// `retrain serve`: the composition root. The only place that names concrete adapters.

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "api/rest_api.h"
#include "auth/tokens.h"
#include "cli/adapters.h"
#include "cli/commands.h"
#include "core/ids.h"
#include "core/redact.h"
#include "feed/deferred_feed.h"
#include "http/server.h"
#include "orchestrator/orchestrator.h"
#ifdef RETRAIN_HAVE_GRAPHQL
#include "api/graphql_api.h"
#endif

namespace retrain {

namespace {

// Every connection holds a descriptor, and the default soft limit (often 1024) caps a server at
// about a thousand clients. Raise the soft limit to the hard one, as servers do (the hard limit
// is the deployment's: systemd LimitNOFILE, the container runtime's ulimit).
void RaiseDescriptorLimit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t before = lim.rlim_cur;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) lim.rlim_cur = before;
  }
  if (lim.rlim_cur < 16'384) {
    spdlog::warn(
        "at most {} open descriptors (hard limit {}): retrain serve can hold fewer than that many "
        "connections; raise the limit (ulimit -n, systemd LimitNOFILE) for more",
        static_cast<uint64_t>(lim.rlim_cur), static_cast<uint64_t>(lim.rlim_max));
  } else if (lim.rlim_cur != before) {
    spdlog::debug("descriptor limit raised from {} to {}", static_cast<uint64_t>(before),
                  static_cast<uint64_t>(lim.rlim_cur));
  }
}

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};  // SIGHUP: re-read the TLS certificate

void OnSignal(int) { g_stop = true; }
void OnHangup(int) { g_reload = true; }

int Fatal(const std::string& what, const Error& e, int code = 1) {
  std::cerr << "retrain: " << what << ": " << e.message << "\n";
  return code;
}

// The last `max_bytes` of a file. Errors: kNotFound "log_not_found".
Result<std::string> ReadTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    return Fail(ErrorCode::kNotFound, "no worker log at " + path + " (the attempt has not started)",
                "log_not_found");
  }
  auto size = static_cast<size_t>(in.tellg());
  size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string text(size - start, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// The API tokens the configuration names, or null for an open API, which `auto` allows only on
// loopback. Errors name the setting to change.
Result<std::shared_ptr<const TokenSet>> OpenApiTokens(const Config& config) {
  const AuthConfig& auth = config.server.auth;
  const std::string where = config.server.host + ":" + std::to_string(config.server.port);
  if (!auth.tokens_file.empty()) {
    const std::string path = config.ResolvePath(auth.tokens_file);
    auto set = TokenSet::Load(path);
    if (!set) {
      return Fail(ErrorCode::kInvalidArgument, "server.auth.tokensFile: " + set.error().message);
    }
    if (set->size() == 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "server.auth.tokensFile: " + path +
                      " holds no token; add one with `retrain token create --role admin --name "
                      "NAME --file " +
                      path + "`");
    }
    spdlog::info("API tokens: {} from {}; every API call needs one", set->size(), path);
    return std::make_shared<const TokenSet>(std::move(*set));
  }
  if (auth.mode == "none") {
    spdlog::warn("server.auth.mode is none: the API on {} is open to anyone who reaches it", where);
    return std::shared_ptr<const TokenSet>();
  }
  if (!IsLoopback(config.server.host)) {
    return Fail(ErrorCode::kInvalidArgument,
                "listening on " + where +
                    " without API tokens would open the API to the network; set "
                    "server.auth.tokensFile (or RETRAIN_API_TOKENS_FILE), or server.auth.mode: "
                    "none to serve it open on purpose");
  }
  spdlog::info("the API on {} is open to local callers (no server.auth.tokensFile)", where);
  return std::shared_ptr<const TokenSet>();
}

// One `retrain serve` per data directory: a second one would hand the same pending jobs to its
// own executor. Holds an flock on <data dir>/serve.lock for the life of the process (the kernel
// drops it when the process dies, however it dies). Returns the fd, or -1 with *why set.
int LockDataDir(const std::string& data_dir, std::string* why) {
  std::string path = (std::filesystem::path(data_dir) / "serve.lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    *why = "cannot open " + path + ": " + std::strerror(errno);
    return -1;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    *why = "another retrain serve (pid " + pid + ") is using the data directory " + data_dir;
    ::close(fd);
    return -1;
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock holds regardless; the pid is only there to name the holder.
  }
  return fd;
}

}  // namespace

int RunServe(const Config& config, const ServeHooks& hooks) {
  static SystemClock clock;
  RaiseDescriptorLimit();
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    std::cerr << "retrain: cannot create the data directory " << config.data_dir << ": "
              << ec.message() << "\n";
    return 1;
  }
  std::string why;
  int lock_fd = LockDataDir(config.data_dir, &why);
  if (lock_fd < 0) {
    std::cerr << "retrain: " << why << "\n";
    return 1;
  }
  struct LockCloser {
    int fd;
    ~LockCloser() { ::close(fd); }
  } lock_closer{lock_fd};
  auto tokens = OpenApiTokens(config);
  if (!tokens) {
    std::cerr << "retrain: " << tokens.error().message << "\n";
    return 2;
  }
  auto store = OpenConfiguredStore(config, clock);
  // Every start-up failure of the store is one for the operator to fix (credentials, address,
  // schema version) or for the supervisor to retry by restarting: exit 2 either way.
  if (!store) return Fatal("cannot open the job store", store.error(), 2);

  const std::string feed_uri = WorkerFeedUri(config);
  auto feed = OpenConfiguredFeed(config);
  const std::string feed_shown = RedactUrl(feed_uri);
  if (!feed) {
    ErrorCode code = feed.error().code;
    // A feed that is down or refuses us may come back: start, report it in /readyz, retry.
    if (code != ErrorCode::kUnavailable && code != ErrorCode::kDeadlineExceeded &&
        code != ErrorCode::kUnauthenticated && code != ErrorCode::kPermissionDenied) {
      return Fatal("cannot open the feed " + feed_shown, feed.error());
    }
    bool auth = code == ErrorCode::kUnauthenticated || code == ErrorCode::kPermissionDenied;
    spdlog::error("the feed {} is not available: {}; retrying {} (see /readyz)", feed_shown,
                  feed.error().message, auth ? "with growing waits of up to 30s" : "every second");
    feed = std::unique_ptr<FeedSource>(std::make_unique<DeferredFeed>(
        feed_uri, [&config] { return OpenConfiguredFeed(config); }, feed.error(), clock));
  }

  const TrackerOptions to = TrackerOptionsFrom(config);
  auto tracking = OpenTracking(to);
  if (!tracking)
    return Fatal("cannot open MLflow tracking at " + RedactUrl(to.tracking_uri), tracking.error());

  auto executor = OpenConfiguredExecutor(config, clock, **store);
  if (!executor)
    return Fatal("cannot start the " + config.executor.kind + " executor", executor.error());

  std::string secret = config.server.callback_secret;
  if (secret.empty()) {
    auto s = (*store)->PutSettingIfAbsent("callback_secret", RandomHex(32));
    if (!s) return Fatal("cannot read the callback secret", s.error());
    secret = *s;
  }

  MetricsRegistry metrics;
  std::atomic<RestApi*> api{nullptr};
  ServerOptions so;
  so.host = config.server.host;
  so.port = config.server.port;
  so.threads = config.server.threads;
  so.max_body_bytes = static_cast<size_t>(config.server.max_body_bytes);
  if (!config.server.tls.cert.empty()) {
    so.tls_cert_file = config.ResolvePath(config.server.tls.cert);
    so.tls_key_file = config.ResolvePath(config.server.tls.key);
  }
  auto server = HttpServer::Start(so, [&api](const Request& r) {
    RestApi* a = api.load();
    if (!a) {
      Response resp;
      resp.status = 503;
      resp.body = R"({"error":{"code":"starting","message":"retrain is starting","details":{}}})";
      return resp;
    }
    return a->Handle(r);
  });
  if (!server) {
    const int code = server.error().code == ErrorCode::kInvalidArgument ? 2 : 1;  // bad TLS files
    return Fatal("cannot listen on " + so.host + ":" + std::to_string(so.port), server.error(),
                 code);
  }
  std::string host = so.host == "0.0.0.0" || so.host == "::" ? "127.0.0.1" : so.host;
  std::string base_url = std::string(so.Tls() ? "https://" : "http://") +
                         (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                         std::to_string((*server)->port());

  OrchestratorOptions oo;
  oo.models = config.models;
  oo.automatic = config.trigger.automatic;
  oo.reconcile_interval_ms = config.trigger.reconcile_interval_ms;
  oo.heartbeat_timeout_ms = config.trigger.heartbeat_timeout_ms;
  oo.feed_wait_ms = config.feed.source == "embedded" ? 100 : config.feed.poll_interval_ms;
  oo.callback_auth = config.server.callback_auth;
  oo.callback_secret = secret;
  oo.public_url = config.server.public_url.empty() ? base_url : config.server.public_url;
  oo.feed_uri = feed_uri;
  if (!config.server.tls.ca.empty()) {
    oo.worker_env["RETRAINING_CA_FILE"] =
        std::filesystem::absolute(config.ResolvePath(config.server.tls.ca)).string();
  }
  if (config.feed.source == "neo4j") {
    oo.worker_env["NEO4J_USER"] = config.feed.neo4j_user;
    oo.worker_env["NEO4J_PASSWORD"] = config.feed.neo4j_password;
  }
  LeaderOptions lo;
  lo.replica_id = DefaultReplicaId(config.server.leader.replica_id, (*server)->port());
  lo.lease_duration_ms = config.server.leader.lease_duration_ms;
  lo.renew_interval_ms = config.server.leader.renew_interval_ms;
  // The embedded store is this process's alone (the data directory's lock): any other holder of
  // its lease is a process that died, and there is nothing to wait for.
  lo.sole_user = config.store.driver != "postgres";
  oo.leader = lo;
  // Every tracker and executor call says whether the service answered: /readyz and the log.
  DependencyHealth health(clock);
  std::unique_ptr<Tracker> watched_tracker;
  if (tracking->tracker) {
    watched_tracker = std::make_unique<WatchedTracker>(*tracking->tracker, health,
                                                       "MLflow at " + RedactUrl(to.tracking_uri));
  }
  WatchedExecutor watched_executor(**executor, health, "the " + (*executor)->Name() + " executor");
  health.StartProbing(2'000);
  Orchestrator orchestrator(oo, **store, **feed, watched_executor, watched_tracker.get(), clock,
                            metrics, tracking->registry, tracking->reader);

  RestApiOptions ao;
  ao.tokens = *tokens;
  ao.metrics_public = config.server.auth.metrics_public;
  ao.health = &health;
  if (config.executor.kind == "local") {
    ao.worker_log = [dir = config.ResolvePath("logs")](const Job& job, int attempt,
                                                       size_t max_bytes) -> Result<std::string> {
      return ReadTail(dir + "/" + job.id + "-attempt" + std::to_string(attempt) + ".log",
                      max_bytes);
    };
  }
#ifdef RETRAIN_HAVE_GRAPHQL
  auto graphql = MakeGraphqlHandler(orchestrator, **store);
  ao.graphql = graphql;
#endif
  RestApi rest(ao, orchestrator, **store, **feed, metrics, clock);
  api.store(&rest);

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction hup {};
  hup.sa_handler = OnHangup;
  sigemptyset(&hup.sa_mask);
  sigaction(SIGHUP, &hup, nullptr);

  orchestrator.Start();
  spdlog::info("retrain serving on {} (data dir {}, {} models, {} executor, feed {}, tracking {})",
               base_url, config.data_dir, config.models.size(), (*executor)->Name(), feed_shown,
               RedactUrl(tracking->tracker->Uri()));
  if (hooks.on_ready) hooks.on_ready(base_url);
  while (!g_stop && !(hooks.should_stop && hooks.should_stop())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (g_reload.exchange(false)) {
      if (!so.Tls()) {
        spdlog::info("SIGHUP: nothing to reload (server.tls is not set)");
      } else if (auto s = (*server)->ReloadTls(); s) {
        spdlog::info("SIGHUP: reloaded the TLS certificate {} for new connections",
                     so.tls_cert_file);
      } else {
        spdlog::error("SIGHUP: {}; still serving the previous certificate", s.error().message);
      }
    }
  }
  spdlog::info("shutting down");
  orchestrator.Stop();  // steps down and releases the lease: another replica takes over at once
  (*server)->Stop(5'000);
  api.store(nullptr);
  return 0;
}

std::optional<Config> LoadConfigOrReport(const CommonOptions& common) {
  ConfigInputs in;
  in.config_path = common.config_path;
  in.config_path_explicit = common.config_path.has_value();
  in.data_dir = common.data_dir;
  in.listen = common.listen;
  in.env = ProcessEnvironment();
  auto cfg = LoadConfig(in);
  if (!cfg) {
    std::cerr << "retrain: " << cfg.error().message << "\n";
    return std::nullopt;
  }
  return *cfg;
}

int RunConfigCheck(const CommonOptions& common) {
  auto cfg = LoadConfigOrReport(common);
  if (!cfg) return 2;
  std::cout << Describe(*cfg);
  std::cout << "configuration is valid (" << cfg->models.size() << " models)\n";
  return 0;
}

}  // namespace retrain
