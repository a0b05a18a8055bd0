#include "orchestrator/orchestrator.h"

namespace retrain {

namespace {

ReconcilerOptions ReconcilerOptionsFrom(const OrchestratorOptions& o, const Tracker* tracker) {
  ReconcilerOptions r;
  r.interval_ms = o.reconcile_interval_ms;
  r.heartbeat_timeout_ms = o.heartbeat_timeout_ms;
  r.worker_env.public_url = o.public_url;
  r.worker_env.feed_uri = o.feed_uri;
  r.worker_env.tracking_uri = tracker ? tracker->Uri() : "";
  r.worker_env.extra = o.worker_env;
  return r;
}

}  // namespace

Orchestrator::Orchestrator(OrchestratorOptions options, JobStore& store, FeedSource& feed,
                           Executor& executor, Tracker* tracker, const Clock& clock,
                           MetricsRegistry& metrics, ModelRegistry* registry,
                           ArtifactReader* reader)
    : options_(std::move(options)),
      started_ms_(clock.NowMs()),
      tokens_(options_.callback_secret),
      drift_(DriftMonitorOptions{}, options_.models, feed, registry, reader, clock, metrics),
      reads_(options_.models, store, feed, started_ms_, clock, &drift_),
      commands_(CommandOptions{options_.callback_auth, started_ms_}, options_.models, store, feed,
                executor.Name(), tokens_, clock, metrics, wakeup_),
      auto_trigger_(options_.automatic, options_.models, feed, reads_, commands_, clock, metrics,
                    &drift_),
      champions_(options_.models, store, registry, clock),
      reconciler_(ReconcilerOptionsFrom(options_, tracker), options_.models, store, executor,
                  tracker, champions_, tokens_, clock, metrics),
      loops_(LoopOptions{options_.reconcile_interval_ms, options_.feed_wait_ms}, feed,
             auto_trigger_, reconciler_, wakeup_, clock) {}

}  // namespace retrain
