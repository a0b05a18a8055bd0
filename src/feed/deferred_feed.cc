#include "feed/deferred_feed.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "core/backoff.h"
#include "core/redact.h"

namespace retrain {

namespace {

bool IsAuthFailure(const Error& e) {
  return e.code == ErrorCode::kUnauthenticated || e.code == ErrorCode::kPermissionDenied;
}

}  // namespace

DeferredFeed::DeferredFeed(std::string uri, Opener open, Error first_error, const Clock& clock,
                           Timing timing)
    : uri_(std::move(uri)),
      open_(std::move(open)),
      clock_(clock),
      timing_(timing),
      error_(std::move(first_error)),
      rng_(timing.jitter_seed != 0 ? timing.jitter_seed : std::random_device{}()) {
  next_try_ms_ = NextTryMs(error_);
}

int64_t DeferredFeed::NextTryMs(const Error& error) {
  if (!IsAuthFailure(error)) {
    auth_failures_ = 0;
    return clock_.NowMs() + timing_.retry_ms;
  }
  ++auth_failures_;
  return clock_.NowMs() + BackoffDelayMs(auth_failures_, 2 * timing_.retry_ms,
                                         timing_.auth_backoff_cap_ms, 2, rng_());
}

Result<FeedSource*> DeferredFeed::Get() {
  std::lock_guard lock(mu_);
  if (inner_) return inner_.get();
  if (clock_.NowMs() < next_try_ms_) return std::unexpected(error_);
  auto opened = open_();
  if (!opened) {
    next_try_ms_ = NextTryMs(opened.error());
    // An authentication failure after an authentication failure keeps the first as the cause.
    if (!(IsAuthFailure(error_) && IsAuthFailure(opened.error()))) {
      if (opened.error().message != error_.message) {
        spdlog::error("the feed {} is still not available: {}", Uri(), opened.error().message);
      }
      error_ = opened.error();
    }
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
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::min<int64_t>(timeout_ms, timing_.retry_ms)));
  return false;
}

std::string DeferredFeed::Uri() const { return RedactUrl(uri_); }

Status DeferredFeed::Ping() {
  auto f = Get();
  if (!f) return std::unexpected(f.error());
  return (*f)->Ping();
}

}  // namespace retrain
