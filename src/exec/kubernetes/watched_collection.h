#pragma once
// One list + watch of a label-selected collection of namespaced objects, kept current by a
// background thread; what is kept is the subclass's business (JobCache, PodWatch).
//
// The watch resumes from the last resourceVersion seen (events and bookmarks) after the server
// ends it, or after a pause (retry_ms, doubling per consecutive failure up to 30 s) when it
// drops; a 410 Gone (HTTP status or ERROR event) triggers a fresh list, and so do five dropped
// watches in a row. When Start runs before any list succeeded, the thread lists first.
//
// Subclasses implement the hooks below. ApplyList and ApplyEvent run with mu_ held (the
// subclass's own state may be guarded by mu_ too); ContinueAfter runs without it. A subclass's
// destructor must call Stop(), so that the thread never calls into a half-destroyed object.
//
// Thread safety: all public methods may be called from any thread. The watch thread calls the
// KubeClient without holding mu_.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <thread>

#include "core/error.h"
#include "exec/kubernetes/kube_client.h"

namespace retrain {

class WatchedCollection {
 public:
  // `client` must outlive the collection.
  WatchedCollection(const KubeClient& client, KubeResource resource, std::string ns,
                    std::string label_selector, int watch_timeout_s, int64_t retry_ms);
  virtual ~WatchedCollection();  // Stop()
  WatchedCollection(const WatchedCollection&) = delete;
  WatchedCollection& operator=(const WatchedCollection&) = delete;

  // Lists the collection and hands the items to ApplyList. Errors are the list's.
  [[nodiscard]] Status Relist();
  // Starts the watch thread (idempotent).
  void Start();
  // Stops and joins the watch thread; may wait for an open watch request to end.
  void Stop();

  int64_t relists() const;  // lists after the first successful one
  int64_t watches() const;
  int64_t watch_errors() const;
  std::string resource_version() const;
  const std::string& ns() const { return ns_; }

 protected:
  // mu_ held. Called before each list request; its value is passed to that list's ApplyList.
  virtual int64_t BeginList() { return 0; }
  // mu_ held. `list` is the List object (items may be missing or not an array).
  virtual void ApplyList(const nlohmann::json& list, int64_t begin_token) = 0;
  // mu_ held. type is ADDED, MODIFIED or DELETED.
  virtual void ApplyEvent(const std::string& type, const nlohmann::json& object) = 0;
  // mu_ not held. A list or watch failed with `error`; false ends the watch thread.
  virtual bool ContinueAfter(const Error& error) {
    (void)error;
    return true;
  }

  mutable std::mutex mu_;  // guards the members below and the subclass's state

 private:
  void Run();
  bool OnEvent(const std::string& type, const nlohmann::json& object);
  void Pause(int64_t ms);

  const KubeClient& client_;
  const KubeResource resource_;
  const std::string ns_;
  const std::string selector_;
  const int watch_timeout_s_;
  const int64_t retry_ms_;

  std::condition_variable cv_;
  bool stop_ = false;
  bool listed_ = false;
  std::string resource_version_;
  int64_t relists_ = -1;  // the first list is not a relist
  int64_t watches_ = 0;
  int64_t watch_errors_ = 0;

  std::thread thread_;  // last: started after everything above is initialised
};

}  // namespace retrain
