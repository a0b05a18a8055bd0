// DeferredFeed: a feed that opens once it can, backing off on rejected credentials and keeping
// the first cause, on simulated time.
#include "feed/deferred_feed.h"

#include <gtest/gtest.h>

#include <vector>

#include "../temp_dir.h"
#include "feed/embedded/embedded_feed.h"

namespace retrain {
namespace {

constexpr int64_t kT0 = 1795674600000;

Error Rejected() {
  return Fail(ErrorCode::kUnauthenticated, "Neo4j rejected the credentials for user neo4j.")
      .error();
}
Error LockedOut() {
  return Fail(ErrorCode::kUnauthenticated,
              "Neo4j refuses to log in user neo4j for now after too many failed attempts.")
      .error();
}
Error Down() { return Fail(ErrorCode::kUnavailable, "connection refused").error(); }

struct ScriptedOpener {
  std::vector<Error> errors;  // returned in order; then the open succeeds
  std::vector<int64_t> tries_at;
  const FakeClock* clock = nullptr;
  std::string dir;

  std::string Uri() const { return "embedded:" + dir + "/feed.db"; }

  DeferredFeed::Opener Fn() {
    return [this]() -> Result<std::unique_ptr<FeedSource>> {
      tries_at.push_back(clock->NowMs());
      if (tries_at.size() <= errors.size()) return std::unexpected(errors[tries_at.size() - 1]);
      auto f = EmbeddedFeed::Open(dir + "/feed.db");
      if (!f) return std::unexpected(f.error());
      return std::unique_ptr<FeedSource>(std::move(*f));
    };
  }
};

// Polls the feed every 100 ms of simulated time for `ms`; returns the last error message.
std::string PollFor(DeferredFeed& feed, FakeClock& clock, int64_t ms) {
  std::string last;
  for (int64_t t = 0; t < ms; t += 100) {
    auto h = feed.Head();
    last = h ? "" : h.error().message;
    clock.Advance(100);
  }
  return last;
}

TEST(DeferredFeed, RejectedCredentialsBackOffAndKeepTheFirstCause) {
  testing::TempDir dir;
  FakeClock clock(kT0);
  ScriptedOpener opener{.errors = {}, .tries_at = {}, .clock = &clock, .dir = dir.path()};
  for (int i = 0; i < 40; ++i) opener.errors.push_back(i < 2 ? Rejected() : LockedOut());
  DeferredFeed feed(opener.Uri(), opener.Fn(), Rejected(), clock,
                    {.retry_ms = 1000, .auth_backoff_cap_ms = 30'000, .jitter_seed = 7});
  std::string last = PollFor(feed, clock, 120'000);
  // The lockout the retries provoked does not replace the real cause.
  EXPECT_EQ(last, "Neo4j rejected the credentials for user neo4j.");
  // Two minutes polled every 100 ms: a fixed one-second retry would log in 120 times.
  ASSERT_GE(opener.tries_at.size(), 4u);
  EXPECT_LE(opener.tries_at.size(), 12u);
  int64_t prev = kT0;
  std::vector<int64_t> gaps;
  for (int64_t at : opener.tries_at) {
    gaps.push_back(at - prev);
    prev = at;
  }
  EXPECT_GE(gaps[0], 1000);
  for (size_t i = 1; i < gaps.size(); ++i) {
    EXPECT_LE(gaps[i], 30'000 + 100) << i;  // capped
  }
  EXPECT_GE(gaps.back(), 15'000);  // grown to the cap's range
}

TEST(DeferredFeed, AFeedThatIsDownIsRetriedEverySecondAndOpensWhenBack) {
  testing::TempDir dir;
  FakeClock clock(kT0);
  ScriptedOpener opener{
      .errors = {Down(), Down(), Down()}, .tries_at = {}, .clock = &clock, .dir = dir.path()};
  DeferredFeed feed(opener.Uri(), opener.Fn(), Down(), clock,
                    {.retry_ms = 1000, .auth_backoff_cap_ms = 30'000, .jitter_seed = 7});
  EXPECT_EQ(PollFor(feed, clock, 3'500), "connection refused");
  EXPECT_EQ(opener.tries_at.size(), 3u);
  EXPECT_EQ(PollFor(feed, clock, 1'000), "");  // the fourth try opens it
  EXPECT_TRUE(feed.Head().has_value());
  EXPECT_EQ(opener.tries_at.size(), 4u);
}

TEST(DeferredFeed, ACauseOtherThanAuthenticationReplacesTheOldOne) {
  testing::TempDir dir;
  FakeClock clock(kT0);
  ScriptedOpener opener{
      .errors = {Down(), Rejected()}, .tries_at = {}, .clock = &clock, .dir = dir.path()};
  DeferredFeed feed(opener.Uri(), opener.Fn(), Rejected(), clock,
                    {.retry_ms = 1000, .auth_backoff_cap_ms = 30'000, .jitter_seed = 7});
  clock.Advance(2'000);
  EXPECT_EQ(feed.Head().error().message, "connection refused");  // the server went away
  clock.Advance(1'000);
  EXPECT_EQ(feed.Head().error().message, "Neo4j rejected the credentials for user neo4j.");
}

}  // namespace
}  // namespace retrain
