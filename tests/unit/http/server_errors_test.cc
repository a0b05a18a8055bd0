// Requests the server answers itself: malformed input (400), bodies over the limit (413),
// handler failures (500). The handler must not see any of the rejected requests.

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "http/http_client.h"
#include "raw_client.h"
#include "server_fixture.h"

namespace retrain::testing {
namespace {

using std::chrono::milliseconds;

class ServerErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.max_body_bytes = 1000;
    server_ = StartLocal(
        [this](const Request& r) {
          ++calls_;
          if (r.path == "/throw") throw std::runtime_error("secret database password leaked");
          if (r.path == "/bad-status") return MakeResponse(42, "");
          return Echo(r);
        },
        options);
    ASSERT_TRUE(server_);
  }

  uint16_t port() const { return server_->port(); }

  std::atomic<int> calls_{0};
  std::unique_ptr<HttpServer> server_;
};

void ExpectError(const RawResponse& res, int status, const std::string& code) {
  EXPECT_EQ(res.status, status);
  EXPECT_EQ(res.Header("content-type"), "application/json");
  EXPECT_EQ(res.Header("server"), "retrain");
  EXPECT_NE(res.body.find(R"({"error":{"code":")" + code + R"(","message":")"), std::string::npos)
      << res.body;
}

TEST_F(ServerErrorsTest, ContentLengthOverLimitIs413WithoutReadingTheBody) {
  RawClient raw(port());
  ASSERT_TRUE(raw.Send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"));
  auto res = raw.Read();
  ASSERT_TRUE(res);
  ExpectError(*res, 413, "payload_too_large");
  EXPECT_NE(res->body.find(R"("details":{"limit":1000})"), std::string::npos) << res->body;
  EXPECT_EQ(res->Header("connection"), "close");
  EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(2)));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerErrorsTest, LargeBodyFromLibcurlIs413) {
  HttpClient client;
  auto res = client.Send(MakeRequest("POST", UrlOf(*server_, "/up"), std::string(200'000, 'x')));
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerErrorsTest, ChunkedBodyOverLimitIs413) {
  RawClient raw(port());
  ASSERT_TRUE(raw.Send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "190\r\n" + std::string(400, 'a') + "\r\n";  // 400 bytes each
  for (int i = 0; i < 3; ++i) raw.Send(chunk);
  raw.Send("0\r\n\r\n");
  auto res = raw.Read();
  ASSERT_TRUE(res);
  ExpectError(*res, 413, "payload_too_large");
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerErrorsTest, BodyAtTheLimitIsAccepted) {
  RawClient raw(port());
  ASSERT_TRUE(
      raw.Send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
               "1f4\r\n" +
               std::string(500, 'a') + "\r\n1f4\r\n" + std::string(500, 'b') + "\r\n0\r\n\r\n"));
  auto chunked = raw.Read();
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 200);
  EXPECT_EQ(chunked->body, "POST /up " + std::string(500, 'a') + std::string(500, 'b'));
  ASSERT_TRUE(raw.Send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" +
                       std::string(1000, 'c')));
  auto sized = raw.Read();
  ASSERT_TRUE(sized);
  EXPECT_EQ(sized->status, 200);
  EXPECT_EQ(calls_.load(), 2);
}

TEST_F(ServerErrorsTest, GarbageIs400ThenClose) {
  RawClient raw(port());
  ASSERT_TRUE(raw.Send("this is not http at all\r\n\r\n"));
  auto res = raw.Read();
  ASSERT_TRUE(res);
  ExpectError(*res, 400, "bad_request");
  EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(2)));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerErrorsTest, BadHeaderLineIs400) {
  RawClient raw(port());
  ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nHost: t\r\nno colon here\r\n\r\n"));
  auto res = raw.Read();
  ASSERT_TRUE(res);
  ExpectError(*res, 400, "bad_request");
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerErrorsTest, HugeHeaderIs431) {
  RawClient raw(port());
  ASSERT_TRUE(raw.Send(Get("/", "X-Big: " + std::string(64 * 1024, 'h') + "\r\n")));
  auto res = raw.Read();
  ASSERT_TRUE(res);
  ExpectError(*res, 431, "header_too_large");
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerErrorsTest, MalformedPercentEscapeIs400) {
  for (std::string target : {"/jobs/%zz", "/jobs/%4", "/jobs?cursor=%g1"}) {
    RawClient raw(port());
    ASSERT_TRUE(raw.Send(Get(target)));
    auto res = raw.Read();
    ASSERT_TRUE(res) << target;
    ExpectError(*res, 400, "bad_request");
  }
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerErrorsTest, HandlerExceptionIs500WithoutInternals) {
  RawClient raw(port());
  ASSERT_TRUE(raw.Send(Get("/throw")));
  auto res = raw.Read();
  ASSERT_TRUE(res);
  ExpectError(*res, 500, "internal");
  EXPECT_EQ(res->body.find("secret"), std::string::npos) << res->body;
  // The connection stays usable.
  ASSERT_TRUE(raw.Send(Get("/fine")));
  auto next = raw.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerErrorsTest, InvalidStatusFromHandlerIs500) {
  RawClient raw(port());
  ASSERT_TRUE(raw.Send(Get("/bad-status")));
  auto res = raw.Read();
  ASSERT_TRUE(res);
  ExpectError(*res, 500, "internal");
}

}  // namespace
}  // namespace retrain::testing
