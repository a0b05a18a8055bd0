#pragma once
// The Kubernetes executor's view of its Jobs: one list + watch on the managed-by label in one
// namespace, kept in a map keyed by job id (label retrain.dev/job-id).
//
// The watch resumes from the last resourceVersion seen (events and bookmarks) after the server
// ends it, or after a pause (retry_ms, doubling per consecutive failure up to 30 s) when it
// drops; a 410 Gone (HTTP status or ERROR event) triggers a fresh list, and so do
// five dropped watches in a row. Jobs that vanish (a DELETED event, or missing from a relist)
// keep their terminal outcome when they had one (a TTL clean-up after success stays a
// success); otherwise they become kFailed "Kubernetes Job X was deleted outside retrain",
// unless the executor itself deleted them (Forget).
//
// Thread safety: all methods may be called from any thread; one mutex guards the map. The
// watch thread calls the KubeClient without holding it.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "core/error.h"
#include "exec/executor.h"
#include "exec/kubernetes/kube_client.h"

namespace retrain {

struct CachedJob {
  std::string name;
  std::string uid;
  int attempt = 1;
  ExecObservation observation;
  bool gone = false;  // the Job no longer exists (observation holds its last outcome)
  std::string resource_version;
};

class JobCache {
 public:
  // `client` must outlive the cache.
  JobCache(const KubeClient& client, std::string ns, int watch_timeout_s, int64_t retry_ms);
  ~JobCache();  // Stop()
  JobCache(const JobCache&) = delete;
  JobCache& operator=(const JobCache&) = delete;

  // Lists the Jobs and replaces the cache with them. Errors are the list's.
  [[nodiscard]] Status Relist();
  // Starts the watch thread (after a successful Relist).
  void Start();
  // Stops and joins the watch thread; may wait for an open watch request to end.
  void Stop();

  std::optional<CachedJob> Find(const std::string& job_id) const;
  // Records a Job object the executor just created or read (before its watch event arrives).
  void Put(const nlohmann::json& job);
  // The executor is deleting the Job with this uid: drop the job id's entry and do not report
  // the coming DELETED event as an outside deletion.
  void Forget(const std::string& job_id, const std::string& uid);
  // Jobs that exist and have not finished, not counting `except_job_id`.
  int CountRunning(const std::string& except_job_id) const;

  int64_t relists() const;
  int64_t watches() const;
  int64_t watch_errors() const;
  std::string resource_version() const;

 private:
  void Run();
  void Upsert(const nlohmann::json& job, int64_t generation);  // mu_ held
  void MarkGone(const std::string& job_id, const std::string& uid,
                const nlohmann::json* last_state);                // mu_ held
  bool OnEvent(const std::string& type, const nlohmann::json& object);
  void Pause(int64_t ms);

  const KubeClient& client_;
  const std::string ns_;
  const int watch_timeout_s_;
  const int64_t retry_ms_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stop_ = false;
  std::map<std::string, CachedJob> jobs_;               // by job id
  std::map<std::string, int64_t> put_generation_;       // job id -> generation of its last Put
  std::set<std::string> forgotten_uids_;                 // deleted by the executor
  std::string resource_version_;
  int64_t generation_ = 0;  // incremented by each Put and each relist start
  int64_t relists_ = -1;    // the first list is not a relist
  int64_t watches_ = 0;
  int64_t watch_errors_ = 0;

  std::thread thread_;  // last: started after everything above is initialised
};

}  // namespace retrain
