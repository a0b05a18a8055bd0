#include "cli/adapters.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "exec/local/local_executor.h"
#include "feed/embedded/embedded_feed.h"
#include "feed/fixtures/fixture_feed.h"
#include "store/postgres/postgres_import.h"
#include "store/postgres/postgres_job_store.h"
#include "store/sqlite/sqlite_export.h"
#include "store/sqlite/sqlite_job_store.h"
#include "tracking/mlflow_file/file_io.h"
#include "tracking/mlflow_file/file_tracker.h"
#include "tracking/mlflow_rest/rest_tracker.h"
#ifdef RETRAIN_HAVE_NEO4J
#include "feed/neo4j/neo4j_feed.h"
#endif
#ifdef RETRAIN_HAVE_KUBERNETES
#include "core/strings.h"
#include "exec/kubernetes/kubernetes_executor.h"
#endif

namespace retrain {

namespace {

namespace fs = std::filesystem;

std::string Absolute(const std::string& path, const std::string& base_dir) {
  fs::path p(path);
  if (p.is_relative()) {
    std::error_code ec;
    fs::path base = base_dir.empty() ? fs::current_path(ec) : fs::path(base_dir);
    if (base.is_relative()) base = fs::current_path(ec) / base;
    p = base / p;
  }
  return p.lexically_normal().string();
}

bool HasScheme(const std::string& uri) {
  size_t colon = uri.find(':');
  if (colon == std::string::npos || colon < 2) return false;  // "C:" is not a scheme here
  for (size_t i = 0; i < colon; ++i) {
    char c = uri[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'))
      return false;
  }
  return true;
}

template <typename T>
TrackingBackend BackendOf(std::unique_ptr<T> adapter) {
  TrackingBackend backend;
  backend.reader = adapter.get();
  backend.registry = adapter.get();
  backend.tracker = std::move(adapter);
  return backend;
}

template <typename T>
Result<std::unique_ptr<FeedSource>> AsFeed(Result<std::unique_ptr<T>> opened) {
  if (!opened) return std::unexpected(opened.error());
  return std::unique_ptr<FeedSource>(std::move(*opened));
}

}  // namespace

// ---- feed ---------------------------------------------------------------------------------

Result<std::unique_ptr<FeedSource>> OpenFeedUri(const FeedUriOptions& o) {
  const std::string& uri = o.uri;
  auto starts = [&](std::string_view p) { return uri.rfind(p, 0) == 0; };
  if (starts("embedded:")) {
    auto f = EmbeddedFeed::Open(uri.substr(9));
    if (!f) return std::unexpected(f.error());
    return std::unique_ptr<FeedSource>(std::move(*f));
  }
  if (starts("fixtures:")) {
    auto f = FixtureFeed::Open(uri.substr(9));
    if (!f) return std::unexpected(f.error());
    return std::unique_ptr<FeedSource>(std::move(*f));
  }
  if (starts("bolt://") || starts("bolt+s://") || starts("bolt+ssc://") || starts("neo4j://") ||
      starts("neo4j+s://") || starts("neo4j+ssc://")) {
#ifdef RETRAIN_HAVE_NEO4J
    Neo4jFeedOptions n;
    n.uri = uri;
    n.user = o.user;
    n.password = o.password;
    n.settle_lag_ms = o.settle_lag_ms;
    auto f = Neo4jFeed::Create(n);
    if (!f) return std::unexpected(f.error());
    return std::unique_ptr<FeedSource>(std::move(*f));
#else
    return Fail(ErrorCode::kInvalidArgument,
                "this build of retrain has no Neo4j feed; cannot open " + uri, "invalid_feed");
#endif
  }
  return Fail(ErrorCode::kInvalidArgument,
              "feed URI '" + uri +
                  "' has an unknown scheme; expected embedded:, fixtures:, bolt:// or neo4j://",
              "invalid_feed");
}

Result<std::unique_ptr<FeedSource>> OpenConfiguredFeed(const Config& c) {
  if (c.feed.source == "neo4j") {
    return OpenFeedUri({.uri = c.feed.neo4j_uri,
                        .user = c.feed.neo4j_user,
                        .password = c.feed.neo4j_password,
                        .settle_lag_ms = c.feed.settle_lag_ms});
  }
  const std::string path = c.ResolvePath(c.feed.path);
  if (c.feed.source == "fixtures") return AsFeed(FixtureFeed::Open(path));
  return AsFeed(EmbeddedFeed::Open(path));
}

std::string WorkerFeedUri(const Config& c) {
  if (c.feed.source == "neo4j") return c.feed.neo4j_uri;
  std::string path =
      std::filesystem::absolute(c.ResolvePath(c.feed.path)).lexically_normal().string();
  return (c.feed.source == "fixtures" ? "fixtures:" : "embedded:") + path;
}

// ---- tracking -----------------------------------------------------------------------------

Result<TrackingBackend> OpenTracking(const TrackerOptions& options) {
  const std::string& uri = options.tracking_uri;
  if (uri.empty()) return Fail(ErrorCode::kInvalidArgument, "the MLflow tracking URI is empty");

  std::string artifact_location = options.artifact_location;
  if (!artifact_location.empty() && !HasScheme(artifact_location)) {
    artifact_location = Absolute(artifact_location, options.base_dir);
  }

  if (uri.starts_with("http://") || uri.starts_with("https://")) {
    RestTrackerOptions o;
    o.tracking_uri = uri;
    o.artifact_location = artifact_location;
    o.experiment_name = options.experiment_name;
    o.experiment_description = options.experiment_description;
    o.experiment_tags = options.experiment_tags;
    auto rest = RestTracker::Create(std::move(o));
    if (!rest) return std::unexpected(rest.error());
    return BackendOf(std::move(*rest));
  }

  std::string root;
  if (uri.starts_with("file:")) {
    std::string rest = uri.substr(5);
    if (rest.starts_with("//")) {
      rest = rest.substr(2);
      if (rest.starts_with("localhost/")) rest = rest.substr(9);
      if (!rest.starts_with("/")) {
        return Fail(ErrorCode::kInvalidArgument,
                    "the tracking URI '" + uri + "' names a remote host; use file:///abs/path");
      }
    }
    root = Absolute(PercentDecodeLenient(rest), options.base_dir);
  } else if (HasScheme(uri)) {
    return Fail(ErrorCode::kInvalidArgument,
                "the tracking URI '" + uri +
                    "' is not supported; use http(s)://, file:// or a directory path");
  } else {
    root = Absolute(uri, options.base_dir);
  }
  FileTrackerOptions o;
  o.root = root;
  o.artifact_location = artifact_location;
  o.experiment_name = options.experiment_name;
  o.experiment_description = options.experiment_description;
  o.experiment_tags = options.experiment_tags;
  auto file = FileTracker::Create(std::move(o));
  if (!file) return std::unexpected(file.error());
  return BackendOf(std::move(*file));
}

TrackerOptions TrackerOptionsFrom(const Config& config) {
  TrackerOptions to;
  to.tracking_uri = config.experiment.tracking_uri;
  to.artifact_location = config.experiment.artifact_location;
  to.experiment_name = config.experiment.name;
  to.experiment_description = config.experiment.description;
  to.experiment_tags = config.experiment.tags;
  to.base_dir = std::filesystem::absolute(config.data_dir).lexically_normal().string();
  return to;
}

// ---- store and executor -------------------------------------------------------------------

Result<std::unique_ptr<JobStore>> OpenConfiguredStore(const Config& config, const Clock& clock) {
  if (config.store.driver != "postgres") {
    return OpenSqliteJobStore(config.ResolvePath(config.store.path), clock);
  }
  PostgresStoreOptions o;
  o.uri = config.store.uri;
  if (!config.store.password_file.empty()) {
    auto pw = ReadPasswordFile(config.store.password_file);
    if (!pw) return std::unexpected(pw.error());
    o.password = std::move(*pw);
  }
  return OpenPostgresJobStore(o, clock);
}

Result<StoreCounts> CopySqliteToPostgres(const std::string& sqlite_path,
                                         const std::string& postgres_uri,
                                         const std::string& password_file, bool replace,
                                         const Clock& clock, StoreCounts* source) {
  PostgresStoreOptions o;
  o.uri = postgres_uri;
  if (!password_file.empty()) {
    auto pw = ReadPasswordFile(password_file);
    if (!pw) return std::unexpected(pw.error());
    o.password = std::move(*pw);
  }
  auto dump = ExportSqliteStore(sqlite_path, clock);
  if (!dump) return std::unexpected(dump.error());
  if (source) *source = CountsOf(*dump);
  return ImportIntoPostgres(o, clock, *dump, replace);
}

Result<std::string> ReadPasswordFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kInvalidArgument,
                "config: cannot read 'store.passwordFile' " + path + ": " + std::strerror(errno),
                "invalid_config");
  }
  std::string pw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
  if (pw.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "config: 'store.passwordFile' " + path + " is empty",
                "invalid_config");
  }
  return pw;
}

Result<std::unique_ptr<Executor>> OpenConfiguredExecutor(const Config& c, Clock& clock,
                                                         JobStore& store) {
  if (c.executor.kind == "kubernetes") {
#ifdef RETRAIN_HAVE_KUBERNETES
    KubernetesExecutorOptions o;
    o.kubeconfig_path = c.executor.kubernetes.kubeconfig;
    o.env = ProcessEnvironment();
    o.namespace_ = c.executor.kubernetes.namespace_;
    o.image = c.executor.kubernetes.image;
    o.service_account = c.executor.kubernetes.service_account;
    auto exec = KubernetesExecutor::Create(std::move(o));
    if (!exec) return std::unexpected(exec.error());
    // Jobs this orchestrator no longer knows (their rows are gone) are reported and removed.
    auto orphans = (*exec)->ListOrphans([&store](const std::string& id) {
      auto job = store.GetJob(id);
      return job.has_value() || job.error().code != ErrorCode::kNotFound;
    });
    if (orphans && !orphans->empty()) {
      for (const auto& id : *orphans)
        spdlog::warn("removed orphaned Kubernetes Job of unknown job {}", id);
    }
    return std::unique_ptr<Executor>(std::move(*exec));
#else
    return Fail(ErrorCode::kInvalidArgument, "this build of retrain has no Kubernetes executor");
#endif
  }
  LocalExecutorOptions o{.clock = clock,
                         .log_dir = c.ResolvePath("logs"),
                         .max_concurrent = c.executor.max_concurrent,
                         .default_command = {SelfExecutable(), "worker"},
                         .kill_grace_ms = c.executor.kill_grace_ms};
  auto e = LocalExecutor::Create(o);
  if (!e) return std::unexpected(e.error());
  return std::unique_ptr<Executor>(std::move(*e));
}

std::string SelfExecutable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("retrain") : p.string();
}

}  // namespace retrain
