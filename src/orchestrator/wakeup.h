#pragma once
// A wake-up call between the commands (a job was created or changed) and the loop that acts on
// it, so that the reconciler need not wait for its next tick. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace retrain {

class Wakeup {
 public:
  // Wakes a current or the next WaitFor.
  void Notify() {
    {
      std::lock_guard lock(mu_);
      notified_ = true;
    }
    cv_.notify_all();
  }

  // Waits up to `ms` for a Notify (consuming it) or Stop. Returns false once stopped.
  bool WaitFor(int64_t ms) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return notified_ || stopped_; });
    notified_ = false;
    return !stopped_;
  }

  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }

  // Stop ends every wait until Restart.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  void Restart() {
    std::lock_guard lock(mu_);
    stopped_ = false;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
  bool stopped_ = false;
};

}  // namespace retrain
