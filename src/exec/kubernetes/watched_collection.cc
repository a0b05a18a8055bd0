#include "exec/kubernetes/watched_collection.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "exec/kubernetes/kube_object.h"

namespace retrain {

using json = nlohmann::json;

namespace {

constexpr int kErrorsBeforeRelist = 5;
constexpr int64_t kMaxPauseMs = 30'000;

}  // namespace

WatchedCollection::WatchedCollection(const KubeClient& client, KubeResource resource,
                                     std::string ns, std::string label_selector,
                                     int watch_timeout_s, int64_t retry_ms)
    : client_(client),
      resource_(std::move(resource)),
      ns_(std::move(ns)),
      selector_(std::move(label_selector)),
      watch_timeout_s_(watch_timeout_s),
      retry_ms_(retry_ms) {}

WatchedCollection::~WatchedCollection() { Stop(); }

void WatchedCollection::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void WatchedCollection::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status WatchedCollection::Relist() {
  int64_t token;
  {
    std::lock_guard lock(mu_);
    token = BeginList();
  }
  auto list = client_.ListObjects(resource_, ns_, selector_);
  if (!list) return std::unexpected(list.error());
  std::lock_guard lock(mu_);
  ++relists_;
  listed_ = true;
  ApplyList(*list, token);
  resource_version_ = MetaOf(*list, "resourceVersion");
  return {};
}

bool WatchedCollection::OnEvent(const std::string& type, const json& object) {
  std::lock_guard lock(mu_);
  if (stop_) return false;
  if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") ApplyEvent(type, object);
  std::string rv = MetaOf(object, "resourceVersion");
  if (!rv.empty()) resource_version_ = rv;
  return true;
}

void WatchedCollection::Pause(int64_t ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_; });
}

void WatchedCollection::Run() {
  int consecutive_errors = 0;
  bool need_relist;
  {
    std::lock_guard lock(mu_);
    need_relist = !listed_;
  }
  while (true) {
    std::string rv;
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      rv = resource_version_;
    }
    if (need_relist) {
      if (auto listed = Relist(); !listed) {
        if (!ContinueAfter(listed.error())) return;
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
        resource_, ns_, selector_, rv, watch_timeout_s_,
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
      if (!ContinueAfter(end.error())) return;
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

int64_t WatchedCollection::relists() const {
  std::lock_guard lock(mu_);
  return relists_;
}
int64_t WatchedCollection::watches() const {
  std::lock_guard lock(mu_);
  return watches_;
}
int64_t WatchedCollection::watch_errors() const {
  std::lock_guard lock(mu_);
  return watch_errors_;
}
std::string WatchedCollection::resource_version() const {
  std::lock_guard lock(mu_);
  return resource_version_;
}

}  // namespace retrain
