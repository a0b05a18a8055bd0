#include "orchestrator/loops.h"

#include <algorithm>

namespace retrain {

Loops::Loops(LoopOptions options, FeedSource& feed, AutoTrigger& trigger, Reconciler& reconciler,
             Wakeup& wakeup, const Clock& clock)
    : options_(options),
      feed_(feed),
      trigger_(trigger),
      reconciler_(reconciler),
      wakeup_(wakeup),
      clock_(clock) {}

Loops::~Loops() { Stop(); }

void Loops::TriggerLoop() {
  int64_t last_full = 0;
  while (!wakeup_.stopped()) {
    // Wake on new feed data, and at least every interval for the time-based rules (maxWait,
    // cooldown, schedule) and jobs that finished.
    bool changed = feed_.WaitForChange(options_.feed_wait_ms);
    int64_t now = clock_.NowMs();
    if (changed || now - last_full >= options_.interval_ms) {
      trigger_.RunOnce();
      last_full = now;
    }
  }
}

void Loops::ReconcileLoop() {
  while (true) {
    int64_t next = reconciler_.ReconcileOnce();
    if (!wakeup_.WaitFor(std::min(next, options_.interval_ms))) return;
  }
}

void Loops::Start() {
  std::lock_guard lock(mu_);
  if (trigger_thread_.joinable()) return;
  wakeup_.Restart();
  trigger_thread_ = std::thread([this] { TriggerLoop(); });
  reconcile_thread_ = std::thread([this] { ReconcileLoop(); });
}

void Loops::Stop() {
  std::lock_guard lock(mu_);
  wakeup_.Stop();
  if (trigger_thread_.joinable()) trigger_thread_.join();
  if (reconcile_thread_.joinable()) reconcile_thread_.join();
}

}  // namespace retrain
