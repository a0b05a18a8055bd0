#include <charconv>
#include <sstream>

#include "config/config.h"
#include "core/redact.h"
#include "core/time.h"

namespace retrain {

namespace {

std::string Mask(const std::string& secret) { return secret.empty() ? "" : "********"; }

class Printer {
 public:
  explicit Printer(const Config& c) : c_(c) {}
  void Line(const std::string& key, const std::string& value) {
    auto it = c_.origins.find(key);
    std::string origin = it == c_.origins.end() ? "default" : it->second;
    out_ << key << " = " << (value.empty() ? "\"\"" : value) << "  (" << origin << ")\n";
  }
  std::string str() const { return out_.str(); }

 private:
  const Config& c_;
  std::ostringstream out_;
};

std::string Join(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

// Shortest text that reads back as the same double ("0.95").
std::string Number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

}  // namespace

std::string Describe(const Config& c) {
  Printer p(c);
  p.Line("config", c.config_path.empty() ? "(none: built-in defaults)" : c.config_path);
  p.Line("dataDir", c.data_dir);
  p.Line("experiment.name", c.experiment.name);
  p.Line("experiment.tracking_uri", RedactUrl(c.experiment.tracking_uri));
  p.Line("experiment.artifact_location", RedactUrl(c.experiment.artifact_location));
  for (const auto& [k, v] : c.experiment.tags) p.Line("experiment.tags." + k, v);
  p.Line("server.listen", c.server.host + ":" + std::to_string(c.server.port));
  p.Line("server.threads", std::to_string(c.server.threads));
  p.Line("server.maxBodyBytes", std::to_string(c.server.max_body_bytes));
  p.Line("server.callbackAuth", c.server.callback_auth ? "true" : "false");
  p.Line("server.callbackSecret", c.server.callback_secret.empty()
                                      ? "(generated once, kept in the job store)"
                                      : Mask(c.server.callback_secret));
  p.Line("server.publicUrl", c.server.public_url);
  p.Line("server.auth.mode", c.server.auth.mode);
  p.Line("server.auth.tokensFile", c.server.auth.tokens_file);
  p.Line("server.auth.metricsPublic", c.server.auth.metrics_public ? "true" : "false");
  p.Line("server.tls.cert", c.server.tls.cert);
  p.Line("server.tls.key", c.server.tls.key);
  p.Line("server.tls.ca", c.server.tls.ca);
  p.Line("server.leader.leaseDuration", FormatDuration(c.server.leader.lease_duration_ms));
  p.Line("server.leader.renewInterval", FormatDuration(c.server.leader.renew_interval_ms));
  p.Line("server.leader.replicaId",
         c.server.leader.replica_id.empty() ? "(<hostname>:<port>)" : c.server.leader.replica_id);
  p.Line("store.driver", c.store.driver);
  p.Line("store.path", c.store.path);
  if (!c.store.uri.empty()) p.Line("store.uri", RedactUrl(c.store.uri));
  if (!c.store.password_file.empty()) p.Line("store.passwordFile", c.store.password_file);
  p.Line("feed.source", c.feed.source);
  p.Line("feed.path", c.feed.path);
  p.Line("feed.pollInterval", FormatDuration(c.feed.poll_interval_ms));
  p.Line("feed.settleLag", FormatDuration(c.feed.settle_lag_ms));
  p.Line("feed.neo4j.uri", RedactUrl(c.feed.neo4j_uri));
  p.Line("feed.neo4j.user", c.feed.neo4j_user);
  p.Line("feed.neo4j.password", Mask(c.feed.neo4j_password));
  p.Line("feed.neo4j.database", c.feed.neo4j_database);
  p.Line("executor.kind", c.executor.kind);
  p.Line("executor.maxConcurrent", std::to_string(c.executor.max_concurrent));
  p.Line("executor.killGrace", FormatDuration(c.executor.kill_grace_ms));
  p.Line("executor.kubernetes.namespace", c.executor.kubernetes.namespace_);
  p.Line("executor.kubernetes.image", c.executor.kubernetes.image);
  p.Line("executor.kubernetes.serviceAccount", c.executor.kubernetes.service_account);
  p.Line("trigger.automatic", c.trigger.automatic ? "true" : "false");
  p.Line("trigger.reconcileInterval", FormatDuration(c.trigger.reconcile_interval_ms));
  p.Line("trigger.heartbeatTimeout", FormatDuration(c.trigger.heartbeat_timeout_ms));
  for (size_t i = 0; i < c.models.size(); ++i) {
    const auto& m = c.models[i];
    std::string k = "models[" + std::to_string(i) + "]";
    p.Line(k + ".id", m.id);
    p.Line(k + ".minRecords", std::to_string(m.min_records));
    p.Line(k + ".entityTypes", Join(m.entity_types));
    p.Line(k + ".command", m.command.empty() ? "(retrain worker)" : Join(m.command));
    p.Line(k + ".timeout", FormatDuration(m.timeout_ms));
    p.Line(k + ".maxAttempts", std::to_string(m.max_attempts));
    p.Line(k + ".maxWait", m.max_wait_ms ? FormatDuration(*m.max_wait_ms) : "off");
    p.Line(k + ".cooldown", FormatDuration(m.cooldown_ms));
    p.Line(k + ".schedule", m.schedule.value_or("off"));
    if (m.drift) {
      p.Line(k + ".trigger.drift.threshold", Number(m.drift->threshold));
      p.Line(k + ".trigger.drift.features",
             m.drift->features.empty() ? "(every feature)" : Join(m.drift->features));
      p.Line(k + ".trigger.drift.minRecords", std::to_string(m.drift->min_records));
    } else {
      p.Line(k + ".trigger.drift", "off");
    }
    p.Line(k + ".training.policy", m.training.policy);
    if (m.training.lookback_ms)
      p.Line(k + ".training.lookback", FormatDuration(*m.training.lookback_ms));
    if (m.training.max_records) {
      p.Line(k + ".training.maxRecords", std::to_string(*m.training.max_records));
    }
    const auto fraction = m.params.find("holdout_fraction");
    p.Line(k + ".evaluation.holdoutFraction",
           m.evaluation.holdout_fraction ? Number(*m.evaluation.holdout_fraction)
           : fraction != m.params.end()  ? fraction->second + " (params.holdout_fraction)"
                                         : "0.2");
    p.Line(k + ".evaluation.minHoldout", std::to_string(m.evaluation.min_holdout));
    p.Line(k + ".promotion.metric", m.promotion.metric);
    p.Line(k + ".promotion.minDelta", Number(m.promotion.min_delta));
    p.Line(k + ".promotion.confidence", Number(m.promotion.confidence));
    p.Line(k + ".promotion.resamples", std::to_string(m.promotion.resamples));
    p.Line(k + ".promotion.seed", std::to_string(m.promotion.seed));
  }
  return p.str();
}

}  // namespace retrain
