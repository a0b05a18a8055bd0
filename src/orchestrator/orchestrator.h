#pragma once
// The orchestrator: the one place where business rules live, assembled from its parts.
//
//   JobCommands  trigger, worker/client events, cancel          (commands.h)
//   ReadModels   overview, trigger preview, unseen counts       (read_models.h)
//   AutoTrigger  the automatic trigger pass                     (auto_trigger.h)
//   DriftMonitor PSI of the unseen records against the champion (drift_monitor.h)
//   Reconciler   drives each job to its goal, one step at a time (reconciler.h)
//   Champions    the champion alias: history, manual promote and rollback (champions.h)
//   Loops        the threads that run the pass and the reconciler (loops.h)
//   LeaderElector which replica runs the loops, when several share the store (leader.h)
//
// REST, GraphQL and the CLI call the commands and read models; the loops drive the rest. The
// trigger rules are trigger_policy.h, the worker's environment and tokens worker_env.h.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/model.h"
#include "core/time.h"
#include "exec/executor.h"
#include "feed/feed_source.h"
#include "orchestrator/auto_trigger.h"
#include "orchestrator/champions.h"
#include "orchestrator/commands.h"
#include "orchestrator/drift_monitor.h"
#include "orchestrator/leader.h"
#include "orchestrator/loops.h"
#include "orchestrator/read_models.h"
#include "orchestrator/reconciler.h"
#include "orchestrator/wakeup.h"
#include "orchestrator/worker_env.h"
#include "store/job_store.h"
#include "tracking/tracker.h"

namespace retrain {

struct OrchestratorOptions {
  std::vector<ModelSettings> models;
  bool automatic = true;  // run the automatic trigger
  int64_t reconcile_interval_ms = 1'000;
  int64_t feed_wait_ms = 100;  // how long the trigger loop waits for feed changes
  // A handed-over attempt with no report (event or status change) for this long is treated as
  // lost: stopped and retried. 0 = off.
  int64_t heartbeat_timeout_ms = 0;
  bool callback_auth = true;
  std::string callback_secret;                    // signs per-attempt worker tokens; never logged
  std::string public_url;                         // base URL workers use to reach the API
  std::string feed_uri;                           // RETRAINING_FEED_URI for workers
  std::map<std::string, std::string> worker_env;  // extra variables for every worker
  // Elect a leader among the replicas sharing the store: only the leader runs the loops, and
  // their writes are fenced at its epoch. Unset: Start runs the loops unconditionally and their
  // writes are not fenced (one orchestrator on the store, as in tests).
  std::optional<LeaderOptions> leader;
};

class Orchestrator {
 public:
  // All dependencies must outlive the orchestrator. `tracker` may be null (no tracking), and so
  // may `registry` (no model registry: champion moves fail with "no_registry") and `reader`
  // (the drift trigger then has no reference). The loops do not run until Start().
  Orchestrator(OrchestratorOptions options, JobStore& store, FeedSource& feed, Executor& executor,
               Tracker* tracker, const Clock& clock, MetricsRegistry& metrics,
               ModelRegistry* registry = nullptr, ArtifactReader* reader = nullptr);
  ~Orchestrator();  // Stop()

  const std::vector<ModelSettings>& models() const { return options_.models; }
  const ModelSettings* FindModel(std::string_view id) const {
    return retrain::FindModel(options_.models, id);
  }

  // Runs the loops: at once, or (options.leader) whenever this replica leads. Stop ends them and
  // steps down. Both idempotent.
  void Start();
  void Stop();

  // The commands for REST, GraphQL and the CLI: unfenced, since any replica applies them.
  JobCommands& commands() { return commands_; }
  ReadModels& reads() { return reads_; }
  AutoTrigger& auto_trigger() { return auto_trigger_; }
  DriftMonitor& drift() { return drift_; }
  Reconciler& reconciler() { return reconciler_; }
  Champions& champions() { return champions_; }
  Loops& loops() { return loops_; }
  const CallbackTokens& tokens() const { return tokens_; }
  // Null without options.leader.
  const LeaderElector* leader() const { return leader_.get(); }

 private:
  const OrchestratorOptions options_;
  const int64_t started_ms_;  // the schedule's baseline before a model's first job
  const CallbackTokens tokens_;
  Fence fence_{kLeaderLease};
  std::unique_ptr<JobStore> fenced_;  // the loops' view of the store (with options.leader)
  JobStore& loop_store_;              // *fenced_, or the store itself
  Wakeup wakeup_;
  DriftMonitor drift_;
  ReadModels reads_;
  JobCommands commands_;
  JobCommands loop_commands_;  // the automatic trigger's, on loop_store_
  AutoTrigger auto_trigger_;
  Champions champions_;  // before reconciler_, which records automatic moves through it
  Reconciler reconciler_;
  Loops loops_;                            // stopped (its destructor) before the parts it drives go
  std::unique_ptr<LeaderElector> leader_;  // last: stops (and stops the loops) first
};

}  // namespace retrain
