#pragma once
// The Kubernetes executor's view of its Jobs: one list + watch on the managed-by label in one
// namespace (WatchedCollection: resume, relist on 410 Gone), kept in a map keyed by job id
// (label retrain.dev/job-id).
//
// Jobs that vanish (a DELETED event, or missing from a relist) keep their terminal outcome when
// they had one (a TTL clean-up after success stays a success); otherwise they become kFailed
// "Kubernetes Job X was deleted outside retrain", unless the executor itself deleted them
// (Forget).
//
// Thread safety: all methods may be called from any thread; the collection's mutex guards the
// map. The watch thread calls the KubeClient without holding it.

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>

#include "exec/executor.h"
#include "exec/kubernetes/kube_client.h"
#include "exec/kubernetes/watched_collection.h"

namespace retrain {

struct CachedJob {
  std::string name;
  std::string uid;
  int attempt = 1;
  ExecObservation observation;
  bool gone = false;  // the Job no longer exists (observation holds its last outcome)
  std::string resource_version;
};

class JobCache final : public WatchedCollection {
 public:
  // `client` must outlive the cache. Relist() fills it; Start() starts the watch thread.
  JobCache(const KubeClient& client, std::string ns, int watch_timeout_s, int64_t retry_ms);
  ~JobCache() override;  // Stop()

  std::optional<CachedJob> Find(const std::string& job_id) const;
  // Records a Job object the executor just created or read (before its watch event arrives).
  void Put(const nlohmann::json& job);
  // The executor is deleting the Job with this uid: drop the job id's entry and do not report
  // the coming DELETED event as an outside deletion.
  void Forget(const std::string& job_id, const std::string& uid);
  // Jobs that exist and have not finished, not counting `except_job_id`.
  int CountRunning(const std::string& except_job_id) const;

 private:
  int64_t BeginList() override;
  void ApplyList(const nlohmann::json& list, int64_t started) override;
  void ApplyEvent(const std::string& type, const nlohmann::json& object) override;
  void Upsert(const nlohmann::json& job, int64_t generation);  // mu_ held
  void MarkGone(const std::string& job_id, const std::string& uid,
                const nlohmann::json* last_state);  // mu_ held

  // Guarded by mu_.
  std::map<std::string, CachedJob> jobs_;          // by job id
  std::map<std::string, int64_t> put_generation_;  // job id -> generation of its last Put
  std::set<std::string> forgotten_uids_;           // deleted by the executor
  int64_t generation_ = 0;                         // incremented by each Put and each list start
};

}  // namespace retrain
