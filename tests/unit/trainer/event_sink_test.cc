#include "trainer/event_sink.h"

#include <gtest/gtest.h>

#include <deque>
#include <sstream>

namespace retrain {
namespace {

class EventSinkTest : public ::testing::Test {
 protected:
  // Answers are consumed in order; the last one repeats.
  HttpEventSink MakeSink(int64_t budget_ms = 60'000) {
    HttpEventSinkOptions o;
    o.url = "http://127.0.0.1:9/retraining/jobs/j1/events";
    o.token = "s3cret";
    o.retry_budget_ms = budget_ms;
    return HttpEventSink(
        o,
        [this](const HttpRequest& r) -> Result<HttpResponse> {
          requests.push_back(r);
          Result<HttpResponse> a = answers.front();
          if (answers.size() > 1) answers.pop_front();
          return a;
        },
        clock,
        [this](int64_t ms) {
          sleeps.push_back(ms);
          clock.Advance(ms);
        });
  }
  static Result<HttpResponse> Status(int code, std::string body = "{}") {
    HttpResponse r;
    r.status = code;
    r.body = std::move(body);
    return r;
  }
  static Result<HttpResponse> Refused() {
    return Fail(ErrorCode::kUnavailable, "Connection refused.");
  }

  FakeClock clock{1'000'000};
  std::deque<Result<HttpResponse>> answers;
  std::vector<HttpRequest> requests;
  std::vector<int64_t> sleeps;
};

TEST_F(EventSinkTest, PostsJsonWithTheBearerToken) {
  answers = {Status(200)};
  auto sink = MakeSink();
  ASSERT_TRUE(sink.Post(R"({"status":"running"})").has_value());
  ASSERT_EQ(requests.size(), 1u);
  const HttpRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://127.0.0.1:9/retraining/jobs/j1/events");
  EXPECT_EQ(r.body, R"({"status":"running"})");
  auto header = [&](const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return std::string();
  };
  EXPECT_EQ(header("Authorization"), "Bearer s3cret");
  EXPECT_EQ(header("Content-Type"), "application/json");
  EXPECT_TRUE(sleeps.empty());
}

TEST_F(EventSinkTest, RetriesTransientFailuresWithCappedBackoff) {
  answers = {Refused(),   Status(503), Status(502), Status(500), Status(503),
             Status(503), Status(503), Status(503), Status(200)};
  auto sink = MakeSink();
  ASSERT_TRUE(sink.Post("{}").has_value());
  EXPECT_EQ(requests.size(), 9u);
  EXPECT_EQ(sleeps, (std::vector<int64_t>{250, 500, 1000, 2000, 4000, 5000, 5000, 5000}));
}

TEST_F(EventSinkTest, GivesUpAfterTheBudget) {
  answers = {Refused()};
  auto sink = MakeSink(60'000);
  auto s = sink.Post("{}");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(s.error().message.find("Connection refused"), std::string::npos);
  int64_t slept = 0;
  for (int64_t ms : sleeps) slept += ms;
  EXPECT_EQ(slept, 60'000);
  EXPECT_EQ(s.error().message.find("s3cret"), std::string::npos);
}

TEST_F(EventSinkTest, ConflictStopsAtOnce) {
  answers = {
      Status(409, R"({"error":{"code":"invalid_transition","message":"The job is cancelled."}})")};
  auto sink = MakeSink();
  auto s = sink.Post(R"({"status":"completed"})");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.error().api_code, "invalid_transition");
  EXPECT_NE(s.error().message.find("The job is cancelled."), std::string::npos);
  EXPECT_EQ(requests.size(), 1u);
}

TEST_F(EventSinkTest, OtherClientErrorsAreFinal) {
  for (auto [status, code] :
       std::vector<std::pair<int, ErrorCode>>{{401, ErrorCode::kUnauthenticated},
                                              {403, ErrorCode::kPermissionDenied},
                                              {404, ErrorCode::kNotFound},
                                              {422, ErrorCode::kInvalidArgument}}) {
    answers = {Status(status)};
    requests.clear();
    auto sink = MakeSink();
    auto s = sink.Post("{}");
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, code) << status;
    EXPECT_EQ(requests.size(), 1u);
  }
}

TEST(HttpEventSinkTest, RealClientReportsARefusedConnectionAfterItsBudget) {
  // Port 1 on loopback refuses connections; the production sink retries, then gives up.
  HttpClient client;
  HttpEventSinkOptions o;
  o.url = "http://127.0.0.1:1/retraining/jobs/j1/events";
  o.retry_budget_ms = 300;
  o.initial_backoff_ms = 50;
  auto sink = HttpEventSink::Create(o, client);
  auto s = sink->Post("{}");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
}

TEST(OpenEventSinkTest, PicksHttpWhenACallbackUrlIsSet) {
  HttpClient client;
  std::ostringstream out;
  auto stream = OpenEventSink({}, client, out);
  ASSERT_TRUE(stream->Post(R"({"x":1})").has_value());
  EXPECT_EQ(out.str(), "{\"x\":1}\n");
  auto http = OpenEventSink({{"RETRAINING_CALLBACK_URL", "http://127.0.0.1:1/e"}}, client, out);
  EXPECT_NE(dynamic_cast<HttpEventSink*>(http.get()), nullptr);
}

TEST(StreamEventSinkTest, WritesOneLinePerEvent) {
  std::ostringstream out;
  StreamEventSink sink(out);
  ASSERT_TRUE(sink.Post(R"({"a":1})").has_value());
  ASSERT_TRUE(sink.Post(R"({"b":2})").has_value());
  EXPECT_EQ(out.str(), "{\"a\":1}\n{\"b\":2}\n");
}

}  // namespace
}  // namespace retrain
