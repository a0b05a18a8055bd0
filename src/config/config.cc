#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "core/redact.h"
#include "core/time.h"
#include "orchestrator/cron.h"

namespace retrain {

extern const std::string_view kShippedConfig;

namespace {

// Thrown inside this file only; ParseConfig turns it into an Error.
struct ConfigError {
  std::string message;
};

struct Ctx {
  std::string origin;  // file name for messages
  const std::map<std::string, std::string>* env;
  std::map<std::string, std::string>* origins;
};

std::string Where(const Ctx& ctx, const YAML::Node& node) {
  auto mark = node.Mark();
  if (mark.line < 0) return ctx.origin;
  return ctx.origin + ":" + std::to_string(mark.line + 1);
}

// A YAML mapping whose keys are checked against what the reader asks for.
class Block {
 public:
  Block(const YAML::Node& node, std::string path, Ctx& ctx)
      : node_(node), path_(std::move(path)), ctx_(ctx) {
    if (node_ && !node_.IsNull() && !node_.IsMap()) {
      throw ConfigError{"config: '" + path_ + "' must be a mapping (" + Where(ctx_, node_) + ")"};
    }
  }

  // Fails on keys that no reader asked for. Call after reading every key.
  void RejectUnknown(const std::vector<std::string>& known) const {
    if (!node_ || node_.IsNull()) return;
    std::set<std::string> allowed(known.begin(), known.end());
    for (const auto& kv : node_) {
      std::string key = kv.first.as<std::string>();
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        throw ConfigError{"config: unknown key '" + Key(key) + "' (" + Where(ctx_, kv.first) +
                          "); expected one of: " + list};
      }
    }
  }

  YAML::Node Child(const std::string& key) const {
    if (!node_ || node_.IsNull()) return YAML::Node();
    return node_[key];
  }
  std::string Key(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  // Reads a scalar with ${VAR} expansion; nullopt when absent or null.
  std::optional<std::string> Str(const std::string& key) const {
    YAML::Node n = Child(key);
    if (!n || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) {
      throw ConfigError{"config: '" + Key(key) + "' must be a string (" + Where(ctx_, n) + ")"};
    }
    auto expanded = ExpandVariables(n.Scalar(), *ctx_.env);
    if (!expanded) {
      throw ConfigError{"config: '" + Key(key) + "' (" + Where(ctx_, n) +
                        "): " + expanded.error().message};
    }
    (*ctx_.origins)[Key(key)] = "file " + Where(ctx_, n);
    return *expanded;
  }

  void ReadString(const std::string& key, std::string* out) const {
    if (auto v = Str(key)) *out = *v;
  }

  void ReadInt(const std::string& key, int64_t min, int64_t max, int64_t* out) const {
    auto v = Str(key);
    if (!v) return;
    errno = 0;
    char* end = nullptr;
    long long n = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || errno != 0 || n < min || n > max) {
      throw ConfigError{"config: '" + Key(key) + "' is '" + *v + "' (" + Where(ctx_, Child(key)) +
                        "); expected a whole number from " + std::to_string(min) + " to " +
                        std::to_string(max)};
    }
    *out = n;
  }
  void ReadInt(const std::string& key, int64_t min, int64_t max, int* out) const {
    int64_t v = *out;
    ReadInt(key, min, max, &v);
    *out = static_cast<int>(v);
  }

  // A finite number accepted by `ok`; `expected` says what is accepted ("a number from 0 to 1").
  template <typename Ok>
  void ReadNumber(const std::string& key, Ok ok, const std::string& expected, double* out) const {
    auto v = Str(key);
    if (!v) return;
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0' || errno != 0 || !std::isfinite(d) || !ok(d)) {
      throw ConfigError{"config: '" + Key(key) + "' is '" + *v + "' (" + Where(ctx_, Child(key)) +
                        "); expected " + expected};
    }
    *out = d;
  }

  void ReadBool(const std::string& key, bool* out) const {
    auto v = Str(key);
    if (!v) return;
    if (*v == "true" || *v == "yes" || *v == "on")
      *out = true;
    else if (*v == "false" || *v == "no" || *v == "off")
      *out = false;
    else
      throw ConfigError{"config: '" + Key(key) + "' is '" + *v + "' (" + Where(ctx_, Child(key)) +
                        "); expected true or false"};
  }

  // Durations: "30s", "5m", "250ms", "1h30m"; a bare number is seconds.
  std::optional<int64_t> Duration(const std::string& key) const {
    auto v = Str(key);
    if (!v || v->empty()) return std::nullopt;
    auto ms = ParseDurationMs(*v);
    if (!ms) {
      throw ConfigError{"config: '" + Key(key) + "' is '" + *v + "' (" + Where(ctx_, Child(key)) +
                        "); expected a duration such as 30s, 5m, 2h or 1h30m"};
    }
    return ms;
  }
  void ReadDuration(const std::string& key, int64_t* out) const {
    if (auto d = Duration(key)) *out = *d;
  }

  void ReadEnum(const std::string& key, const std::vector<std::string>& allowed,
                std::string* out) const {
    auto v = Str(key);
    if (!v) return;
    for (const auto& a : allowed) {
      if (*v == a) {
        *out = *v;
        return;
      }
    }
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : " or ") + a;
    throw ConfigError{"config: '" + Key(key) + "' is '" + *v + "' (" + Where(ctx_, Child(key)) +
                      "); expected " + list};
  }

  std::vector<std::string> StrList(const std::string& key) const {
    YAML::Node n = Child(key);
    std::vector<std::string> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) {
      throw ConfigError{"config: '" + Key(key) + "' must be a list of strings (" + Where(ctx_, n) +
                        ")"};
    }
    for (size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar()) {
        throw ConfigError{"config: '" + Key(key) + "[" + std::to_string(i) +
                          "]' must be a string (" + Where(ctx_, n[i]) + ")"};
      }
      auto e = ExpandVariables(n[i].Scalar(), *ctx_.env);
      if (!e) throw ConfigError{"config: '" + Key(key) + "': " + e.error().message};
      out.push_back(*e);
    }
    (*ctx_.origins)[Key(key)] = "file " + Where(ctx_, n);
    return out;
  }

  std::map<std::string, std::string> StrMap(const std::string& key) const {
    YAML::Node n = Child(key);
    std::map<std::string, std::string> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsMap()) {
      throw ConfigError{"config: '" + Key(key) + "' must be a mapping of strings (" +
                        Where(ctx_, n) + ")"};
    }
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      if (!kv.second.IsScalar()) {
        throw ConfigError{"config: '" + Key(key) + "." + k + "' must be a string (" +
                          Where(ctx_, kv.second) + ")"};
      }
      auto e = ExpandVariables(kv.second.Scalar(), *ctx_.env);
      if (!e) throw ConfigError{"config: '" + Key(key) + "." + k + "': " + e.error().message};
      out[k] = *e;
    }
    (*ctx_.origins)[Key(key)] = "file " + Where(ctx_, n);
    return out;
  }

 private:
  YAML::Node node_;
  std::string path_;
  Ctx& ctx_;
};

void ParseListen(const std::string& key, const std::string& value, ServerConfig* server) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) {
    throw ConfigError{"config: '" + key + "' is '" + value +
                      "'; expected HOST:PORT, e.g. 127.0.0.1:8080"};
  }
  std::string host = value.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long port = std::strtol(value.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    throw ConfigError{"config: '" + key + "' is '" + value +
                      "'; the port must be a number from 0 to 65535"};
  }
  server->host = host;
  server->port = static_cast<uint16_t>(port);
}

void ParseTraining(const Block& model, const std::string& path, Ctx& ctx, ModelSettings* m) {
  const std::vector<std::string> policies = {"window", "cumulative", "lookback"};
  YAML::Node node = model.Child("training");
  if (!node || node.IsNull()) return;
  if (node.IsScalar()) {  // training: cumulative
    model.ReadEnum("training", policies, &m->training.policy);
  } else {
    Block b(node, path + ".training", ctx);
    b.ReadEnum("policy", policies, &m->training.policy);
    if (b.Str("lookback")) {
      int64_t ms = 0;
      b.ReadDuration("lookback", &ms);
      m->training.lookback_ms = ms;
    }
    if (b.Str("maxRecords")) {
      int64_t n = 0;
      b.ReadInt("maxRecords", 1, 1'000'000'000'000, &n);
      m->training.max_records = n;
    }
    b.RejectUnknown({"policy", "lookback", "maxRecords"});
  }
  const TrainingPolicy& t = m->training;
  if (t.policy == "window" && (t.lookback_ms || t.max_records)) {
    throw ConfigError{"config: '" + path +
                      ".training' has policy window, which trains on the "
                      "window alone; lookback and maxRecords need policy cumulative or lookback"};
  }
  if (t.policy == "cumulative" && t.lookback_ms) {
    throw ConfigError{"config: '" + path +
                      ".training.lookback' needs policy lookback "
                      "(cumulative reads from the feed start)"};
  }
  if (t.policy == "lookback" && !t.lookback_ms && !t.max_records) {
    throw ConfigError{"config: '" + path +
                      ".training' has policy lookback without lookback or "
                      "maxRecords; give one (e.g. lookback: 30d) or both"};
  }
}

void ParseTrigger(const Block& model, const std::string& path, Ctx& ctx, ModelSettings* m) {
  Block b(model.Child("trigger"), path + ".trigger", ctx);
  YAML::Node node = b.Child("drift");
  if (node && !node.IsNull()) {
    Block d(node, path + ".trigger.drift", ctx);
    DriftSettings drift;
    d.ReadNumber(
        "threshold", [](double t) { return t > 0 && std::isfinite(t); },
        "a population stability index above 0 (0.1 is a moderate shift, 0.25 a major one)",
        &drift.threshold);
    drift.features = d.StrList("features");
    d.ReadInt("minRecords", 1, 1'000'000'000, &drift.min_records);
    d.RejectUnknown({"threshold", "features", "minRecords"});
    m->drift = std::move(drift);
  }
  b.RejectUnknown({"drift"});
}

void ParseEvaluation(const Block& model, const std::string& path, Ctx& ctx, ModelSettings* m) {
  Block b(model.Child("evaluation"), path + ".evaluation", ctx);
  double fraction = 0;
  if (b.Str("holdoutFraction")) {
    b.ReadNumber(
        "holdoutFraction", [](double f) { return f > 0 && f < 1; },
        "a number between 0 and 1, exclusive (0.2 holds out the newest fifth)", &fraction);
    m->evaluation.holdout_fraction = fraction;
  }
  b.ReadInt("minHoldout", 0, 1'000'000'000, &m->evaluation.min_holdout);
  b.RejectUnknown({"holdoutFraction", "minHoldout"});
}

void ParsePromotion(const Block& model, const std::string& path, Ctx& ctx, ModelSettings* m) {
  Block b(model.Child("promotion"), path + ".promotion", ctx);
  b.ReadEnum("metric", {"auc", "logloss", "accuracy", "f1"}, &m->promotion.metric);
  b.ReadNumber(
      "minDelta", [](double d) { return d >= 0; }, "a number of 0 or more",
      &m->promotion.min_delta);
  b.ReadNumber(
      "confidence", [](double c) { return c > 0 && c < 1; },
      "a number between 0 and 1, exclusive (e.g. 0.95)", &m->promotion.confidence);
  b.ReadInt("resamples", 1000, 1'000'000, &m->promotion.resamples);
  int64_t seed = static_cast<int64_t>(m->promotion.seed);
  b.ReadInt("seed", 0, std::numeric_limits<int64_t>::max(), &seed);
  m->promotion.seed = static_cast<uint64_t>(seed);
  b.RejectUnknown({"metric", "minDelta", "confidence", "resamples", "seed"});
}

ModelSettings ParseModel(const YAML::Node& node, size_t index, Ctx& ctx) {
  std::string path = "models[" + std::to_string(index) + "]";
  Block b(node, path, ctx);
  ModelSettings m;
  b.ReadString("id", &m.id);
  if (m.id.empty()) {
    throw ConfigError{"config: '" + path + ".id' is missing (" + Where(ctx, node) +
                      "); every model needs an id"};
  }
  for (char c : m.id) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      throw ConfigError{"config: '" + path + ".id' is '" + m.id +
                        "'; expected lower-case letters, digits, '-', '_' or '.'"};
    }
  }
  if (m.id.size() > 63) {
    throw ConfigError{"config: '" + path + ".id' is longer than 63 characters"};
  }
  b.ReadInt("minRecords", 1, 1'000'000'000, &m.min_records);
  m.entity_types = b.StrList("entityTypes");
  m.command = b.StrList("command");
  b.ReadString("image", &m.image);
  b.ReadDuration("timeout", &m.timeout_ms);
  if (m.timeout_ms <= 0) throw ConfigError{"config: '" + path + ".timeout' must be longer than 0s"};
  b.ReadInt("maxAttempts", 1, 100, &m.max_attempts);
  m.max_wait_ms = b.Duration("maxWait");
  b.ReadDuration("cooldown", &m.cooldown_ms);
  if (auto s = b.Str("schedule"); s && !s->empty()) {
    auto cron = CronSchedule::Parse(*s);
    if (!cron) {
      throw ConfigError{"config: '" + path + ".schedule' is '" + *s + "': " + cron.error().message};
    }
    m.schedule = *s;
  }
  m.params = b.StrMap("params");
  ParseTraining(b, path, ctx, &m);
  ParseTrigger(b, path, ctx, &m);
  ParseEvaluation(b, path, ctx, &m);
  ParsePromotion(b, path, ctx, &m);
  if (m.evaluation.holdout_fraction && m.params.count("holdout_fraction")) {
    throw ConfigError{"config: '" + path + ".params.holdout_fraction' and '" + path +
                      ".evaluation.holdoutFraction' are both set; keep only "
                      "evaluation.holdoutFraction"};
  }
  b.RejectUnknown({"id", "minRecords", "entityTypes", "command", "image", "timeout", "maxAttempts",
                   "maxWait", "cooldown", "schedule", "params", "training", "trigger", "evaluation",
                   "promotion"});
  return m;
}

void ApplyEnv(const std::map<std::string, std::string>& env, const char* var, std::string* field,
              const std::string& key, std::map<std::string, std::string>* origins) {
  auto it = env.find(var);
  if (it == env.end() || it->second.empty()) return;
  *field = it->second;
  (*origins)[key] = std::string("env ") + var;
}

void Parse(const YAML::Node& root, Ctx& ctx, Config* cfg) {
  Block top(root, "", ctx);
  {
    Block b(top.Child("experiment"), "experiment", ctx);
    b.ReadString("name", &cfg->experiment.name);
    b.ReadString("description", &cfg->experiment.description);
    b.ReadString("tracking_uri", &cfg->experiment.tracking_uri);
    b.ReadString("artifact_location", &cfg->experiment.artifact_location);
    if (b.Child("tags")) cfg->experiment.tags = b.StrMap("tags");
    b.RejectUnknown({"name", "description", "tracking_uri", "artifact_location", "tags"});
  }
  {
    Block b(top.Child("server"), "server", ctx);
    if (auto listen = b.Str("listen")) ParseListen("server.listen", *listen, &cfg->server);
    b.ReadInt("threads", 1, 64, &cfg->server.threads);
    b.ReadInt("maxBodyBytes", 1024, int64_t{1} << 30, &cfg->server.max_body_bytes);
    b.ReadBool("callbackAuth", &cfg->server.callback_auth);
    b.ReadString("callbackSecret", &cfg->server.callback_secret);
    b.ReadString("publicUrl", &cfg->server.public_url);
    b.RejectUnknown({"listen", "threads", "maxBodyBytes", "callbackAuth", "callbackSecret",
                     "publicUrl", "auth", "tls", "leader"});
    Block l(b.Child("leader"), "server.leader", ctx);
    l.ReadDuration("leaseDuration", &cfg->server.leader.lease_duration_ms);
    l.ReadDuration("renewInterval", &cfg->server.leader.renew_interval_ms);
    l.ReadString("replicaId", &cfg->server.leader.replica_id);
    l.RejectUnknown({"leaseDuration", "renewInterval", "replicaId"});
    const LeaderConfig& lc = cfg->server.leader;
    if (lc.lease_duration_ms < 500) {
      throw ConfigError{"config: 'server.leader.leaseDuration' must be at least 500ms"};
    }
    if (lc.renew_interval_ms < 50 || lc.renew_interval_ms * 2 > lc.lease_duration_ms) {
      throw ConfigError{
          "config: 'server.leader.renewInterval' must be at least 50ms and at most half of "
          "server.leader.leaseDuration (" +
          std::to_string(lc.lease_duration_ms) +
          "ms), so that a renewal can fail once and "
          "the leader still keeps its lease"};
    }
    Block t(b.Child("tls"), "server.tls", ctx);
    t.ReadString("cert", &cfg->server.tls.cert);
    t.ReadString("key", &cfg->server.tls.key);
    t.ReadString("ca", &cfg->server.tls.ca);
    t.RejectUnknown({"cert", "key", "ca"});
    if (cfg->server.tls.cert.empty() != cfg->server.tls.key.empty()) {
      throw ConfigError{"config: 'server.tls' needs both cert and key (only " +
                        std::string(cfg->server.tls.cert.empty() ? "key" : "cert") + " is set)"};
    }
    Block a(b.Child("auth"), "server.auth", ctx);
    a.ReadEnum("mode", {"auto", "none"}, &cfg->server.auth.mode);
    a.ReadString("tokensFile", &cfg->server.auth.tokens_file);
    a.ReadBool("metricsPublic", &cfg->server.auth.metrics_public);
    a.RejectUnknown({"mode", "tokensFile", "metricsPublic"});
  }
  {
    Block b(top.Child("store"), "store", ctx);
    b.ReadEnum("driver", {"sqlite", "postgres"}, &cfg->store.driver);
    b.ReadString("path", &cfg->store.path);
    b.ReadString("uri", &cfg->store.uri);
    b.ReadString("passwordFile", &cfg->store.password_file);
    b.RejectUnknown({"driver", "path", "uri", "passwordFile"});
  }
  {
    Block b(top.Child("feed"), "feed", ctx);
    b.ReadEnum("source", {"embedded", "fixtures", "neo4j"}, &cfg->feed.source);
    b.ReadString("path", &cfg->feed.path);
    b.ReadDuration("pollInterval", &cfg->feed.poll_interval_ms);
    b.ReadDuration("settleLag", &cfg->feed.settle_lag_ms);
    Block n(b.Child("neo4j"), "feed.neo4j", ctx);
    n.ReadString("uri", &cfg->feed.neo4j_uri);
    n.ReadString("user", &cfg->feed.neo4j_user);
    n.ReadString("password", &cfg->feed.neo4j_password);
    n.ReadString("database", &cfg->feed.neo4j_database);
    n.RejectUnknown({"uri", "user", "password", "database"});
    b.RejectUnknown({"source", "path", "pollInterval", "settleLag", "neo4j"});
    if (cfg->feed.poll_interval_ms < 10) {
      throw ConfigError{"config: 'feed.pollInterval' must be at least 10ms"};
    }
  }
  {
    Block b(top.Child("executor"), "executor", ctx);
    b.ReadEnum("kind", {"local", "kubernetes"}, &cfg->executor.kind);
    b.ReadInt("maxConcurrent", 1, 1000, &cfg->executor.max_concurrent);
    b.ReadDuration("killGrace", &cfg->executor.kill_grace_ms);
    Block k(b.Child("kubernetes"), "executor.kubernetes", ctx);
    k.ReadString("namespace", &cfg->executor.kubernetes.namespace_);
    k.ReadString("image", &cfg->executor.kubernetes.image);
    k.ReadString("serviceAccount", &cfg->executor.kubernetes.service_account);
    k.ReadString("kubeconfig", &cfg->executor.kubernetes.kubeconfig);
    k.RejectUnknown({"namespace", "image", "serviceAccount", "kubeconfig"});
    b.RejectUnknown({"kind", "maxConcurrent", "killGrace", "kubernetes"});
  }
  {
    Block b(top.Child("trigger"), "trigger", ctx);
    b.ReadBool("automatic", &cfg->trigger.automatic);
    b.ReadDuration("reconcileInterval", &cfg->trigger.reconcile_interval_ms);
    b.ReadDuration("heartbeatTimeout", &cfg->trigger.heartbeat_timeout_ms);
    b.RejectUnknown({"automatic", "reconcileInterval", "heartbeatTimeout"});
    if (cfg->trigger.reconcile_interval_ms < 10) {
      throw ConfigError{"config: 'trigger.reconcileInterval' must be at least 10ms"};
    }
  }
  YAML::Node models = top.Child("models");
  if (models && !models.IsNull()) {
    if (!models.IsSequence()) {
      throw ConfigError{"config: 'models' must be a list (" + Where(ctx, models) + ")"};
    }
    std::set<std::string> ids;
    for (size_t i = 0; i < models.size(); ++i) {
      ModelSettings m = ParseModel(models[i], i, ctx);
      if (!ids.insert(m.id).second) {
        throw ConfigError{"config: model id '" + m.id + "' is defined twice (" +
                          Where(ctx, models[i]) + ")"};
      }
      cfg->models.push_back(std::move(m));
    }
  }
  top.RejectUnknown({"experiment", "server", "store", "feed", "executor", "trigger", "models"});
}

// A postgresql:// store.uri selects the PostgreSQL store; store.driver may say so too, but the
// file may not contradict its own uri.
Status ResolveStore(Config* cfg) {
  StoreConfig& st = cfg->store;
  auto fail = [](const std::string& m) {
    return Fail(ErrorCode::kInvalidArgument, m, "invalid_config");
  };
  if (!st.uri.empty()) {
    if (st.uri.rfind("postgresql://", 0) != 0 && st.uri.rfind("postgres://", 0) != 0) {
      return fail("config: 'store.uri' is '" + RedactUrl(st.uri) +
                  "'; expected a postgresql://user@host:port/database URI");
    }
    // A uri from the environment outranks the file's driver; both in the file must agree.
    auto uri_from = cfg->origins.find("store.uri");
    bool uri_from_file = uri_from != cfg->origins.end() && uri_from->second.rfind("file ", 0) == 0;
    if (st.driver == "sqlite" && cfg->origins.count("store.driver") && uri_from_file) {
      return fail("config: 'store.driver' is 'sqlite' but 'store.uri' names PostgreSQL (" +
                  RedactUrl(st.uri) + "); drop one of them");
    }
    st.driver = "postgres";
    if (!cfg->origins.count("store.driver")) cfg->origins["store.driver"] = "implied by store.uri";
  } else if (st.driver == "postgres") {
    return fail(
        "config: 'store.driver' is 'postgres' but 'store.uri' is not set; expected "
        "postgresql://user@host:port/database (or env RETRAIN_STORE_URI)");
  }
  if (!st.password_file.empty() && st.driver != "postgres") {
    return fail(
        "config: 'store.passwordFile' is set but the store is sqlite; it applies to a "
        "postgresql:// 'store.uri' only");
  }
  return {};
}

}  // namespace

std::string Config::ResolvePath(const std::string& path) const {
  if (path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(data_dir) / path).lexically_normal().string();
}

Result<Config> ParseConfig(const std::string& yaml_text, const std::string& origin_name,
                           const ConfigInputs& inputs) {
  Config cfg;
  cfg.config_path = origin_name;
  Ctx ctx{origin_name, &inputs.env, &cfg.origins};
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (root && !root.IsNull() && !root.IsMap()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "config: " + origin_name + " must hold a YAML mapping at the top level",
                  "invalid_config");
    }
    Parse(root, ctx, &cfg);
  } catch (const ConfigError& e) {
    return Fail(ErrorCode::kInvalidArgument, e.message, "invalid_config");
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument,
                "config: " + origin_name + " is not valid YAML: " + e.what(), "invalid_config");
  }

  // Environment over file.
  const auto& env = inputs.env;
  ApplyEnv(env, "MLFLOW_TRACKING_URI", &cfg.experiment.tracking_uri, "experiment.tracking_uri",
           &cfg.origins);
  ApplyEnv(env, "MLFLOW_ARTIFACT_URI", &cfg.experiment.artifact_location,
           "experiment.artifact_location", &cfg.origins);
  ApplyEnv(env, "MLFLOW_RETRAINING_EXPERIMENT", &cfg.experiment.name, "experiment.name",
           &cfg.origins);
  ApplyEnv(env, "RETRAINING_NAMESPACE", &cfg.executor.kubernetes.namespace_,
           "executor.kubernetes.namespace", &cfg.origins);
  ApplyEnv(env, "RETRAINING_IMAGE", &cfg.executor.kubernetes.image, "executor.kubernetes.image",
           &cfg.origins);
  ApplyEnv(env, "RETRAINING_SERVICE_ACCOUNT", &cfg.executor.kubernetes.service_account,
           "executor.kubernetes.serviceAccount", &cfg.origins);
  ApplyEnv(env, "NEO4J_URI", &cfg.feed.neo4j_uri, "feed.neo4j.uri", &cfg.origins);
  ApplyEnv(env, "NEO4J_USER", &cfg.feed.neo4j_user, "feed.neo4j.user", &cfg.origins);
  ApplyEnv(env, "NEO4J_PASSWORD", &cfg.feed.neo4j_password, "feed.neo4j.password", &cfg.origins);
  ApplyEnv(env, "RETRAIN_STORE_URI", &cfg.store.uri, "store.uri", &cfg.origins);
  ApplyEnv(env, "RETRAIN_DATA_DIR", &cfg.data_dir, "dataDir", &cfg.origins);
  ApplyEnv(env, "RETRAIN_REPLICA_ID", &cfg.server.leader.replica_id, "server.leader.replicaId",
           &cfg.origins);
  ApplyEnv(env, "RETRAIN_API_TOKENS_FILE", &cfg.server.auth.tokens_file, "server.auth.tokensFile",
           &cfg.origins);
  try {
    if (auto it = env.find("RETRAIN_LISTEN"); it != env.end() && !it->second.empty()) {
      ParseListen("RETRAIN_LISTEN", it->second, &cfg.server);
      cfg.origins["server.listen"] = "env RETRAIN_LISTEN";
    }
    // Flags over environment.
    if (inputs.data_dir) {
      cfg.data_dir = *inputs.data_dir;
      cfg.origins["dataDir"] = "flag --data-dir";
    }
    if (inputs.listen) {
      ParseListen("--listen", *inputs.listen, &cfg.server);
      cfg.origins["server.listen"] = "flag --listen";
    }
  } catch (const ConfigError& e) {
    return Fail(ErrorCode::kInvalidArgument, e.message, "invalid_config");
  }
  if (cfg.data_dir.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "config: the data directory must not be empty",
                "invalid_config");
  }
  if (cfg.feed.path.empty()) cfg.feed.path = cfg.feed.source == "fixtures" ? "fixtures" : "feed.db";
  if (cfg.experiment.name.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "config: 'experiment.name' must not be empty",
                "invalid_config");
  }
  if (auto s = ResolveStore(&cfg); !s) return std::unexpected(s.error());
  return cfg;
}

Result<Config> LoadConfig(const ConfigInputs& inputs) {
  std::string path = inputs.config_path.value_or(kDefaultConfigPath);
  std::ifstream in(path);
  if (!in) {
    if (inputs.config_path_explicit) {
      return Fail(ErrorCode::kInvalidArgument,
                  "config: cannot read " + path + ": " + std::strerror(errno), "invalid_config");
    }
    // No file here: the configuration shipped with retrain, compiled into the binary.
    return ParseConfig(std::string(kShippedConfig), std::string("(built-in) ") + kDefaultConfigPath,
                       inputs);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path, inputs);
}

}  // namespace retrain
