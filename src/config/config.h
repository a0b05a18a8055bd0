#pragma once
// The effective configuration of retrain: the YAML file (default ml/config/mlflow_retraining.yaml),
// then environment variables, then command-line flags, over built-in defaults
// (flag > environment > file > default). Load() validates everything: an unknown key, a wrong
// type or an impossible value is a kInvalidArgument error that names the key, the value and what
// was expected. Secrets (passwords, tokens) are held here but never printed by Describe().

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/model.h"

namespace retrain {

struct ExperimentConfig {
  std::string name = "intelgraph-retraining";
  std::string description;
  std::string tracking_uri = "mlruns";  // relative paths live under the data dir
  std::string artifact_location;        // "" = beside the runs
  std::map<std::string, std::string> tags;
};

// Who may call the API (see auth/tokens.h for the tokens file and the roles).
struct AuthConfig {
  // auto: with a tokens file every API call needs a token; without one the API is open, which
  //       is allowed only when listening on loopback. none: open on purpose on any address.
  std::string mode = "auto";   // auto | none
  std::string tokens_file;     // role:name:sha256 lines; relative to the data dir; "" = none
  bool metrics_public = true;  // /metrics without a token
};

// HTTPS for the API (`server.tls`). Paths are relative to the data dir. SIGHUP re-reads them.
struct TlsConfig {
  std::string cert;  // PEM certificate chain, leaf first; "" = plain HTTP
  std::string key;   // PEM private key of the certificate
  // PEM CA bundle that workers verify the server with (RETRAINING_CA_FILE in their
  // environment); "" = the system's trust store. A self-signed certificate is its own CA.
  std::string ca;
};

// Leader election among the replicas sharing a store (server.leader).
struct LeaderConfig {
  int64_t lease_duration_ms = 15'000;
  int64_t renew_interval_ms = 5'000;
  std::string replica_id;  // "" = env RETRAIN_REPLICA_ID, else <hostname>:<port>
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 2;
  int64_t max_body_bytes = 1 << 20;
  // When true, worker events must carry the job's callback token (Authorization: Bearer).
  bool callback_auth = true;
  std::string callback_secret;  // secret; "" = generated once and kept in the job store
  std::string public_url;       // how workers reach the server; "" = http://<listen>
  AuthConfig auth;
  TlsConfig tls;
  LeaderConfig leader;
};

struct StoreConfig {
  std::string driver = "sqlite";  // sqlite | postgres (a postgresql:// uri implies postgres)
  std::string path = "jobs.db";   // sqlite file, relative to the data dir
  std::string uri;                // postgresql://... (env RETRAIN_STORE_URI); secret parts masked
  std::string password_file;      // file holding the PostgreSQL password (a Kubernetes Secret)
};

struct FeedConfig {
  std::string source = "embedded";  // embedded | fixtures | neo4j
  std::string path;                 // embedded: feed.db (data dir); fixtures: directory
  std::string neo4j_uri = "bolt://localhost:7687";
  std::string neo4j_user = "neo4j";
  std::string neo4j_password;  // secret
  std::string neo4j_database = "neo4j";
  int64_t poll_interval_ms = 5'000;  // feeds without notifications
  int64_t settle_lag_ms = 0;         // records younger than this are not counted yet
};

struct KubernetesConfig {
  std::string namespace_ = "default";
  std::string image = "retrain-worker:latest";
  std::string service_account;
  std::string kubeconfig;  // "" = in-cluster, else KUBECONFIG / ~/.kube/config
};

struct ExecutorConfig {
  std::string kind = "local";  // local | kubernetes
  int max_concurrent = 2;      // local: worker processes at once
  int64_t kill_grace_ms = 5'000;
  KubernetesConfig kubernetes;
};

struct TriggerConfig {
  bool automatic = true;  // the automatic trigger loop runs
  int64_t reconcile_interval_ms = 1'000;
  int64_t heartbeat_timeout_ms = 0;  // fail a running job silent this long (0 = off)
};

struct Config {
  std::string config_path;  // the file read ("" when none)
  std::string data_dir = ".retrain";
  ExperimentConfig experiment;
  ServerConfig server;
  StoreConfig store;
  FeedConfig feed;
  ExecutorConfig executor;
  TriggerConfig trigger;
  std::vector<ModelSettings> models;

  // Where each printed value came from: "default", "file <path>:<line>", "env VAR",
  // "flag --x". Keyed by the dotted key (e.g. "models[0].minRecords").
  std::map<std::string, std::string> origins;

  // data_dir joined with `path` unless `path` is absolute.
  std::string ResolvePath(const std::string& path) const;
};

// Inputs besides the file: the flags given on the command line (only those present) and the
// environment (injected so tests can pass their own).
struct ConfigInputs {
  std::optional<std::string> config_path;  // --config
  bool config_path_explicit = false;       // a missing explicit file is an error
  std::optional<std::string> data_dir;     // --data-dir
  std::optional<std::string> listen;       // --listen HOST:PORT
  std::map<std::string, std::string> env;
};

// The default configuration file, relative to the working directory.
inline constexpr const char* kDefaultConfigPath = "ml/config/mlflow_retraining.yaml";

// Reads, expands, overrides and validates. Errors are kInvalidArgument.
[[nodiscard]] Result<Config> LoadConfig(const ConfigInputs& inputs);
// Parses configuration text (for tests and `config check`); `origin_name` names it in errors.
[[nodiscard]] Result<Config> ParseConfig(const std::string& yaml_text,
                                         const std::string& origin_name,
                                         const ConfigInputs& inputs);

// The effective values and their origins, one "key = value  (origin)" per line, secrets masked.
std::string Describe(const Config& config);

// The process environment as a map.
std::map<std::string, std::string> ProcessEnvironment();

// Expands ${VAR}, ${VAR:-default} and $$ in `text` from `env`. ${VAR} with VAR unset is an
// error (kInvalidArgument naming VAR); ${VAR:-d} uses d when VAR is unset or empty.
[[nodiscard]] Result<std::string> ExpandVariables(std::string_view text,
                                                  const std::map<std::string, std::string>& env);

}  // namespace retrain
