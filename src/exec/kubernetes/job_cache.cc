#include "exec/kubernetes/job_cache.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "exec/kubernetes/job_manifest.h"

namespace retrain {

using json = nlohmann::json;

namespace {

constexpr int kErrorsBeforeRelist = 5;
constexpr int64_t kMaxPauseMs = 30'000;

const json& Metadata(const json& obj) {
  static const json kEmpty = json::object();
  return obj.is_object() && obj.contains("metadata") && obj["metadata"].is_object()
             ? obj["metadata"]
             : kEmpty;
}

std::string Label(const json& obj, const char* key) {
  const json& md = Metadata(obj);
  if (!md.contains("labels") || !md["labels"].is_object()) return "";
  return md["labels"].value(key, "");
}

int AttemptOf(const json& obj) {
  try {
    std::string a = Label(obj, kAttemptLabel);
    return a.empty() ? 1 : std::stoi(a);
  } catch (const std::exception&) {
    return 1;
  }
}

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

JobCache::JobCache(const KubeClient& client, std::string ns, int watch_timeout_s,
                   int64_t retry_ms)
    : client_(client),
      ns_(std::move(ns)),
      watch_timeout_s_(watch_timeout_s),
      retry_ms_(retry_ms) {}

JobCache::~JobCache() { Stop(); }

void JobCache::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void JobCache::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status JobCache::Relist() {
  int64_t started;
  {
    std::lock_guard lock(mu_);
    started = ++generation_;
  }
  auto list = client_.ListObjects(kJobsResource, ns_, kManagedBySelector);
  if (!list) return std::unexpected(list.error());
  std::lock_guard lock(mu_);
  ++relists_;
  std::set<std::string> seen_ids, seen_uids;
  if (list->contains("items") && (*list)["items"].is_array()) {
    for (const auto& item : (*list)["items"]) {
      std::string id = Label(item, kJobIdLabel);
      if (id.empty()) continue;
      seen_ids.insert(id);
      seen_uids.insert(Metadata(item).value("uid", ""));
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
  resource_version_ = Metadata(*list).value("resourceVersion", "");
  return {};
}

void JobCache::Upsert(const json& job, int64_t generation) {
  const json& md = Metadata(job);
  std::string id = Label(job, kJobIdLabel);
  std::string uid = md.value("uid", "");
  if (id.empty() || forgotten_uids_.contains(uid)) return;
  int attempt = AttemptOf(job);
  auto it = jobs_.find(id);
  if (it != jobs_.end()) {
    const CachedJob& cur = it->second;
    // An older attempt's Job does not replace the newer one's entry.
    if (cur.uid != uid && !cur.gone && cur.attempt > attempt) return;
    if (cur.uid == uid && OlderThan(md.value("resourceVersion", ""), cur.resource_version)) return;
  }
  CachedJob entry;
  entry.name = md.value("name", "");
  entry.uid = uid;
  entry.attempt = attempt;
  entry.observation = ObservationFromJob(job);
  entry.resource_version = md.value("resourceVersion", "");
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

bool JobCache::OnEvent(const std::string& type, const json& object) {
  std::lock_guard lock(mu_);
  if (stop_) return false;
  std::string rv = Metadata(object).value("resourceVersion", "");
  if (type == "ADDED" || type == "MODIFIED") {
    Upsert(object, 0);
  } else if (type == "DELETED") {
    MarkGone(Label(object, kJobIdLabel), Metadata(object).value("uid", ""), &object);
  }
  if (!rv.empty()) resource_version_ = rv;
  return true;
}

void JobCache::Pause(int64_t ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_; });
}

void JobCache::Run() {
  int consecutive_errors = 0;
  bool need_relist = false;
  while (true) {
    std::string rv;
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      rv = resource_version_;
    }
    if (need_relist) {
      if (!Relist()) {
        Pause(std::min<int64_t>(retry_ms_ * 4, kMaxPauseMs));
        continue;
      }
      need_relist = false;
      consecutive_errors = 0;
      continue;
    }
    {
      std::lock_guard lock(mu_);
      ++watches_;
    }
    auto end = client_.Watch(
        kJobsResource, ns_, kManagedBySelector, rv, watch_timeout_s_,
        [this](const std::string& t, const json& o) { return OnEvent(t, o); },
        [this] {
          std::lock_guard lock(mu_);
          return !stop_;
        });
    if (!end) {
      {
        std::lock_guard lock(mu_);
        ++watch_errors_;
      }
      if (++consecutive_errors >= kErrorsBeforeRelist) need_relist = true;
      // Exponential backoff while the API server keeps dropping the watch.
      int shift = std::min(consecutive_errors - 1, 5);
      Pause(std::min<int64_t>(retry_ms_ << shift, kMaxPauseMs));
      continue;
    }
    consecutive_errors = 0;
    if (*end == WatchEnd::kExpired) need_relist = true;
    if (*end == WatchEnd::kStopped) return;
  }
}

std::optional<CachedJob> JobCache::Find(const std::string& job_id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

void JobCache::Put(const json& job) {
  std::lock_guard lock(mu_);
  forgotten_uids_.erase(Metadata(job).value("uid", ""));
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

int64_t JobCache::relists() const {
  std::lock_guard lock(mu_);
  return relists_;
}
int64_t JobCache::watches() const {
  std::lock_guard lock(mu_);
  return watches_;
}
int64_t JobCache::watch_errors() const {
  std::lock_guard lock(mu_);
  return watch_errors_;
}
std::string JobCache::resource_version() const {
  std::lock_guard lock(mu_);
  return resource_version_;
}

}  // namespace retrain
