#pragma once
// The two loops, apart from the logic they drive: the trigger loop runs AutoTrigger::RunOnce
// when the feed changes (and at least every interval, for the time-based rules), the reconcile
// loop runs Reconciler::ReconcileOnce every interval or as soon as a command wakes it. Whether
// the loops run at all is decided by whoever calls Start and Stop.

#include <cstdint>
#include <mutex>
#include <thread>

#include "core/time.h"
#include "feed/feed_source.h"
#include "orchestrator/auto_trigger.h"
#include "orchestrator/reconciler.h"
#include "orchestrator/wakeup.h"

namespace retrain {

struct LoopOptions {
  int64_t interval_ms = 1'000;  // the longest a loop sleeps between passes
  int64_t feed_wait_ms = 100;   // how long the trigger loop waits for feed changes at a time
};

class Loops {
 public:
  Loops(LoopOptions options, FeedSource& feed, AutoTrigger& trigger, Reconciler& reconciler,
        Wakeup& wakeup, const Clock& clock);
  ~Loops();  // stops the loops

  // Starts the loop threads (no-op when running). Stop is idempotent; Start may follow it.
  void Start();
  void Stop();

 private:
  void TriggerLoop();
  void ReconcileLoop();

  const LoopOptions options_;
  FeedSource& feed_;
  AutoTrigger& trigger_;
  Reconciler& reconciler_;
  Wakeup& wakeup_;
  const Clock& clock_;
  std::mutex mu_;  // guards the threads
  std::thread trigger_thread_;
  std::thread reconcile_thread_;
};

}  // namespace retrain
