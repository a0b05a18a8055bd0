#pragma once
// A feed that is (re)opened on use: lets `retrain serve` start while its feed cannot be reached
// yet (Neo4j down, or rejecting the credentials). Until the open succeeds, every call fails with
// the open's error, so /readyz reports it and the trigger waits; once it opens, calls go through.
// Opening is retried at most once per `retry_ms`. Thread-safe.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "feed/feed_source.h"
#include "feed/open_feed.h"

namespace retrain {

class DeferredFeed final : public FeedSource {
 public:
  using Opener = std::function<Result<std::unique_ptr<FeedSource>>(const FeedOptions&)>;
  // `first_error` is the failure of the open tried at start-up (returned until a retry works).
  DeferredFeed(FeedOptions options, Opener open, Error first_error, int64_t retry_ms = 1000);

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

  const FeedOptions options_;
  const Opener open_;
  const int64_t retry_ms_;
  std::mutex mu_;  // guards inner_, error_, next_try_
  std::unique_ptr<FeedSource> inner_;
  Error error_;
  std::chrono::steady_clock::time_point next_try_;
};

}  // namespace retrain
