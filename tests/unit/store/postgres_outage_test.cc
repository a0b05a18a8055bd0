// The PostgreSQL store through a server outage: calls fail with kUnavailable
// "store_unavailable" (the API's 503) while the server is down, nothing half-written remains,
// and the same store instance works again once the server is back, without being reopened.
// Runs when tests/integration/postgres gives the commands that stop and start its server.

#include <gtest/gtest.h>

#include <cstdlib>

#include "store_test_util.h"

namespace retrain {
namespace {

class PostgresOutageTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    stop_ = std::getenv("RETRAIN_TEST_POSTGRES_STOP_CMD");
    start_ = std::getenv("RETRAIN_TEST_POSTGRES_START_CMD");
    if (!stop_ || !start_) {
      GTEST_SKIP() << "RETRAIN_TEST_POSTGRES_STOP_CMD / _START_CMD are not set "
                      "(tests/integration/postgres sets them)";
    }
    testing::StoreTest::SetUp();
  }
  const char* stop_ = nullptr;
  const char* start_ = nullptr;
};

TEST_P(PostgresOutageTest, UnavailableWhileDownThenBackOnItsOwn) {
  Job a = Create("m", "10");
  ASSERT_EQ(std::system(stop_), 0);
  auto got = store_->GetJob(a.id);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(got.error().api_code, "store_unavailable");
  auto update = MoveTo(a.id, JobStatus::kScheduled);
  ASSERT_FALSE(update.has_value());
  EXPECT_EQ(update.error().code, ErrorCode::kUnavailable);
  auto ping = store_->Ping();
  ASSERT_FALSE(ping.has_value());
  EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);
  ASSERT_EQ(std::system(start_), 0);

  auto back = store_->GetJob(a.id);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->status, JobStatus::kPending);  // the refused update left nothing
  EXPECT_EQ(store_->ListEvents(a.id)->size(), 1u);
  ASSERT_TRUE(MoveTo(a.id, JobStatus::kScheduled).has_value());
  EXPECT_TRUE(store_->Ping().has_value());
}

// Only the PostgreSQL instantiation runs (the SQLite store has no server to lose).
INSTANTIATE_TEST_SUITE_P(Backends, PostgresOutageTest, ::testing::Values(std::string("postgres")),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace retrain
