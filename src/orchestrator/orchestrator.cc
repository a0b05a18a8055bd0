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
      fenced_(options_.leader ? store.Fenced(fence_) : nullptr),
      loop_store_(fenced_ ? *fenced_ : store),
      drift_(DriftMonitorOptions{}, options_.models, feed, registry, reader, clock, metrics),
      reads_(options_.models, store, feed, started_ms_, clock, &drift_),
      commands_(CommandOptions{options_.callback_auth, started_ms_}, options_.models, store, feed,
                executor.Name(), tokens_, clock, metrics, wakeup_),
      loop_commands_(CommandOptions{options_.callback_auth, started_ms_}, options_.models,
                     loop_store_, feed, executor.Name(), tokens_, clock, metrics, wakeup_),
      auto_trigger_(options_.automatic, options_.models, feed, reads_, loop_commands_, clock,
                    metrics, &drift_),
      champions_(options_.models, store, registry, clock, &loop_store_),
      reconciler_(ReconcilerOptionsFrom(options_, tracker), options_.models, loop_store_, executor,
                  tracker, champions_, tokens_, clock, metrics),
      loops_(LoopOptions{options_.reconcile_interval_ms, options_.feed_wait_ms}, feed,
             auto_trigger_, reconciler_, wakeup_, clock) {
  if (options_.leader) {
    leader_ = std::make_unique<LeaderElector>(*options_.leader, store, fence_, clock, metrics,
                                              [this](bool leading) {
                                                if (leading)
                                                  loops_.Start();
                                                else
                                                  loops_.Stop();
                                              });
  }
}

Orchestrator::~Orchestrator() { Stop(); }

void Orchestrator::Start() {
  if (leader_)
    leader_->Start();
  else
    loops_.Start();
}

void Orchestrator::Stop() {
  if (leader_) leader_->Stop();
  loops_.Stop();
}

}  // namespace retrain
