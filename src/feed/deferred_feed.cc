#include "feed/deferred_feed.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "core/redact.h"

namespace retrain {

DeferredFeed::DeferredFeed(FeedOptions options, Opener open, Error first_error, int64_t retry_ms)
    : options_(std::move(options)), open_(std::move(open)), retry_ms_(retry_ms),
      error_(std::move(first_error)),
      next_try_(std::chrono::steady_clock::now() + std::chrono::milliseconds(retry_ms)) {}

Result<FeedSource*> DeferredFeed::Get() {
  std::lock_guard lock(mu_);
  if (inner_) return inner_.get();
  auto now = std::chrono::steady_clock::now();
  if (now < next_try_) return std::unexpected(error_);
  next_try_ = now + std::chrono::milliseconds(retry_ms_);
  auto opened = open_(options_);
  if (!opened) {
    if (opened.error().message != error_.message) {
      spdlog::error("the feed {} is still not available: {}", Uri(), opened.error().message);
    }
    error_ = opened.error();
    return std::unexpected(error_);
  }
  spdlog::info("the feed {} is available now", Uri());
  inner_ = std::move(*opened);
  return inner_.get();
}

Result<std::string> DeferredFeed::Head() {
  auto f = Get();
  if (!f) return std::unexpected(f.error());
  return (*f)->Head();
}

Result<UnseenSummary> DeferredFeed::CountUnseen(const FeedFilter& filter, std::string_view after,
                                                std::string_view upto) {
  auto f = Get();
  if (!f) return std::unexpected(f.error());
  return (*f)->CountUnseen(filter, after, upto);
}

Result<std::vector<UnseenSummary>> DeferredFeed::CountUnseenMany(
    std::span<const UnseenQuery> queries, std::string_view upto) {
  auto f = Get();
  if (!f) return std::unexpected(f.error());
  return (*f)->CountUnseenMany(queries, upto);
}

Result<Window> DeferredFeed::DescribeWindow(const FeedFilter& filter, std::string_view after,
                                            std::string_view upto) {
  auto f = Get();
  if (!f) return std::unexpected(f.error());
  return (*f)->DescribeWindow(filter, after, upto);
}

Status DeferredFeed::Scan(const FeedFilter& filter, std::string_view after, std::string_view upto,
                          const std::function<bool(const FeedRecord&)>& fn) {
  auto f = Get();
  if (!f) return std::unexpected(f.error());
  return (*f)->Scan(filter, after, upto, fn);
}

bool DeferredFeed::WaitForChange(int64_t timeout_ms) {
  auto f = Get();
  if (f) return (*f)->WaitForChange(timeout_ms);
  std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(timeout_ms, retry_ms_)));
  return false;
}

std::string DeferredFeed::Uri() const { return RedactUrl(options_.uri); }

Status DeferredFeed::Ping() {
  auto f = Get();
  if (!f) return std::unexpected(f.error());
  return (*f)->Ping();
}

}  // namespace retrain
