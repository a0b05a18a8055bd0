#include "exec/kubernetes/job_cache.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "exec/kubernetes/job_manifest.h"
#include "exec/kubernetes/kube_object.h"

namespace retrain {

using json = nlohmann::json;

namespace {

// resourceVersions are opaque strings; etcd-backed servers use integers, which lets a stale
// copy be recognised. Anything else compares as "not older".
bool OlderThan(const std::string& a, const std::string& b) {
  try {
    return !a.empty() && !b.empty() && std::stoull(a) < std::stoull(b);
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

JobCache::JobCache(const KubeClient& client, std::string ns, int watch_timeout_s, int64_t retry_ms)
    : WatchedCollection(client, kJobsResource, std::move(ns), kManagedBySelector, watch_timeout_s,
                        retry_ms) {}

JobCache::~JobCache() { Stop(); }

int64_t JobCache::BeginList() { return ++generation_; }

void JobCache::ApplyList(const json& list, int64_t started) {
  std::set<std::string> seen_ids, seen_uids;
  if (list.contains("items") && list["items"].is_array()) {
    for (const auto& item : list["items"]) {
      std::string id = LabelOf(item, kJobIdLabel);
      if (id.empty()) continue;
      seen_ids.insert(id);
      seen_uids.insert(MetaOf(item, "uid"));
      Upsert(item, 0);
    }
  }
  std::vector<std::pair<std::string, std::string>> vanished;
  for (const auto& [id, job] : jobs_) {
    if (job.gone || seen_ids.contains(id)) continue;
    auto put = put_generation_.find(id);
    if (put != put_generation_.end() && put->second > started) continue;  // newer than the list
    vanished.emplace_back(id, job.uid);
  }
  for (const auto& [id, uid] : vanished) MarkGone(id, uid, nullptr);
  std::erase_if(forgotten_uids_, [&](const std::string& uid) { return !seen_uids.contains(uid); });
}

void JobCache::ApplyEvent(const std::string& type, const json& object) {
  if (type == "DELETED") {
    MarkGone(LabelOf(object, kJobIdLabel), MetaOf(object, "uid"), &object);
  } else {
    Upsert(object, 0);
  }
}

void JobCache::Upsert(const json& job, int64_t generation) {
  std::string id = LabelOf(job, kJobIdLabel);
  std::string uid = MetaOf(job, "uid");
  if (id.empty() || forgotten_uids_.contains(uid)) return;
  int attempt = AttemptOf(job);
  std::string rv = MetaOf(job, "resourceVersion");
  auto it = jobs_.find(id);
  if (it != jobs_.end()) {
    const CachedJob& cur = it->second;
    // An older attempt's Job does not replace the newer one's entry.
    if (cur.uid != uid && !cur.gone && cur.attempt > attempt) return;
    if (cur.uid == uid && OlderThan(rv, cur.resource_version)) return;
  }
  CachedJob entry;
  entry.name = MetaOf(job, "name");
  entry.uid = uid;
  entry.attempt = attempt;
  entry.observation = ObservationFromJob(job);
  entry.resource_version = rv;
  jobs_[id] = std::move(entry);
  if (generation > 0) put_generation_[id] = generation;
}

void JobCache::MarkGone(const std::string& job_id, const std::string& uid, const json* last_state) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || (!uid.empty() && it->second.uid != uid)) return;
  if (forgotten_uids_.erase(uid) > 0) {
    jobs_.erase(it);
    return;
  }
  CachedJob& job = it->second;
  ExecObservation obs = last_state ? ObservationFromJob(*last_state) : job.observation;
  if (obs.phase != ExecPhase::kSucceeded && obs.phase != ExecPhase::kFailed &&
      job.observation.phase != ExecPhase::kSucceeded &&
      job.observation.phase != ExecPhase::kFailed) {
    obs = {ExecPhase::kFailed, "Kubernetes Job " + job.name + " was deleted outside retrain"};
  } else if (obs.phase == ExecPhase::kRunning) {
    obs = job.observation;  // the last copy we saw had finished
  }
  job.observation = obs;
  job.gone = true;
}

std::optional<CachedJob> JobCache::Find(const std::string& job_id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

void JobCache::Put(const json& job) {
  std::lock_guard lock(mu_);
  forgotten_uids_.erase(MetaOf(job, "uid"));
  Upsert(job, ++generation_);
}

void JobCache::Forget(const std::string& job_id, const std::string& uid) {
  std::lock_guard lock(mu_);
  if (!uid.empty()) forgotten_uids_.insert(uid);
  auto it = jobs_.find(job_id);
  if (it != jobs_.end() && (uid.empty() || it->second.uid == uid)) jobs_.erase(it);
}

int JobCache::CountRunning(const std::string& except_job_id) const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& [id, job] : jobs_)
    if (id != except_job_id && !job.gone && job.observation.phase == ExecPhase::kRunning) ++n;
  return n;
}

}  // namespace retrain
