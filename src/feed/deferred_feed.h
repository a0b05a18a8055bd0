#pragma once
// A feed that is (re)opened on use: lets `retrain serve` start while its feed cannot be reached
// yet (Neo4j down, or rejecting the credentials). Until the open succeeds, every call fails with
// the open's error, so /readyz reports it and the trigger waits; once it opens, calls go through.
//
// A feed that is down is tried again at most once per `retry_ms`. A rejected credential is not
// a transient fault, and retrying it every second makes Neo4j lock the user out: after an
// authentication failure (kUnauthenticated, kPermissionDenied) the waits grow exponentially
// from `retry_ms` up to `auth_backoff_cap_ms`, jittered. While the failures stay
// authentication failures the first one is kept as the cause (a lockout that the retries
// provoked says nothing new). Thread-safe.

#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "core/time.h"
#include "feed/feed_source.h"

namespace retrain {

class DeferredFeed final : public FeedSource {
 public:
  // Opens the real feed (the composition root's, e.g. OpenConfiguredFeed).
  using Opener = std::function<Result<std::unique_ptr<FeedSource>>()>;
  struct Timing {
    int64_t retry_ms = 1000;
    int64_t auth_backoff_cap_ms = 30'000;
    uint64_t jitter_seed = 0;  // 0 = from a random device
  };
  // `uri` names the feed (Uri() shows it redacted); `first_error` is the failure of the open
  // tried at start-up (returned until a retry works). `clock` must outlive the feed.
  DeferredFeed(std::string uri, Opener open, Error first_error, const Clock& clock, Timing timing);
  DeferredFeed(std::string uri, Opener open, Error first_error, const Clock& clock)
      : DeferredFeed(std::move(uri), std::move(open), std::move(first_error), clock, Timing{}) {}

  Result<std::string> Head() override;
  Result<UnseenSummary> CountUnseen(const FeedFilter& filter, std::string_view after,
                                    std::string_view upto) override;
  Result<std::vector<UnseenSummary>> CountUnseenMany(std::span<const UnseenQuery> queries,
                                                     std::string_view upto) override;
  Result<Window> DescribeWindow(const FeedFilter& filter, std::string_view after,
                                std::string_view upto) override;
  Status Scan(const FeedFilter& filter, std::string_view after, std::string_view upto,
              const std::function<bool(const FeedRecord&)>& fn) override;
  bool WaitForChange(int64_t timeout_ms) override;
  std::string Uri() const override;
  Status Ping() override;

 private:
  // The open feed, or the error that keeps it closed.
  Result<FeedSource*> Get();
  // When to try opening again after `error`. Requires mu_.
  int64_t NextTryMs(const Error& error);

  const std::string uri_;
  const Opener open_;
  const Clock& clock_;
  const Timing timing_;
  std::mutex mu_;  // guards every member below
  std::unique_ptr<FeedSource> inner_;
  Error error_;
  int64_t next_try_ms_ = 0;
  int auth_failures_ = 0;  // consecutive authentication failures
  std::mt19937_64 rng_;
};

}  // namespace retrain
