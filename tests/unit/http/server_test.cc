// Round trips through a real server on a loopback port: fields handed to the handler, the
// response on the wire, keep-alive, HTTP/1.0, HEAD and concurrency.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "http/http_client.h"
#include "raw_client.h"
#include "server_fixture.h"

namespace retrain::testing {
namespace {

TEST(HttpServerTest, PortZeroPicksAFreePort) {
  auto server = StartLocal(Echo);
  ASSERT_TRUE(server);
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->InFlight(), 0);
}

TEST(HttpServerTest, GetRoundTrip) {
  auto server = StartLocal(Echo);
  ASSERT_TRUE(server);
  HttpClient client;
  auto res = client.Send(MakeRequest("GET", UrlOf(*server, "/healthz")));
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "GET /healthz ");
  EXPECT_EQ(res->Header("content-type"), "text/plain");
  EXPECT_EQ(res->Header("content-length"), "13");
  EXPECT_EQ(res->Header("server"), "retrain");
  EXPECT_EQ(res->Header("x-echo-path"), "/healthz");
}

TEST(HttpServerTest, PostRoundTrip) {
  auto server = StartLocal(Echo);
  ASSERT_TRUE(server);
  HttpClient client;
  auto res =
      client.Send(MakeRequest("POST", UrlOf(*server, "/models/m1/retrain"),
                              R"({"reason":"manual"})", {{"Content-Type", "application/json"}}));
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"(POST /models/m1/retrain {"reason":"manual"})");
}

TEST(HttpServerTest, HandlerSeesDecodedPathQueryLowerCasedHeadersAndPeer) {
  std::mutex mu;
  Request seen;
  auto server = StartLocal([&](const Request& r) {
    std::lock_guard lock(mu);
    seen = r;
    return MakeResponse(202, "{}");
  });
  ASSERT_TRUE(server);
  RawClient raw(server->port());
  ASSERT_TRUE(
      raw.Send("PUT /jobs/a%20b%2Fc?limit=5&status=running+now&x=%26&limit=7&flag HTTP/1.1\r\n"
               "Host: test\r\nX-Request-ID: abc\r\nContent-Length: 3\r\n\r\nxyz"));
  auto res = raw.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202);
  EXPECT_EQ(res->Header("content-type"), "application/json");
  std::lock_guard lock(mu);
  EXPECT_EQ(seen.method, "PUT");
  EXPECT_EQ(seen.target, "/jobs/a%20b%2Fc?limit=5&status=running+now&x=%26&limit=7&flag");
  EXPECT_EQ(seen.path, "/jobs/a b/c");
  EXPECT_EQ(seen.Query("limit"), "5");
  EXPECT_EQ(seen.Query("status"), "running now");
  EXPECT_EQ(seen.Query("x"), "&");
  EXPECT_EQ(seen.Query("flag"), "");
  EXPECT_EQ(seen.query.size(), 5u);
  EXPECT_EQ(seen.Header("x-request-id"), "abc");
  bool has_lower = false;
  for (const auto& [name, value] : seen.headers) {
    EXPECT_EQ(name, [&] {
      std::string l = name;
      for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return l;
    }());
    has_lower |= name == "x-request-id";
  }
  EXPECT_TRUE(has_lower);
  EXPECT_EQ(seen.body, "xyz");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
}

TEST(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::atomic<int> calls{0};
  auto server = StartLocal([&](const Request& r) {
    ++calls;
    return Echo(r);
  });
  ASSERT_TRUE(server);
  RawClient raw(server->port());
  ASSERT_TRUE(raw.connected());
  for (int i = 0; i < 3; ++i) {
    std::string path = "/r" + std::to_string(i);
    ASSERT_TRUE(raw.Send(Get(path)));
    auto res = raw.Read();
    ASSERT_TRUE(res) << "request " << i;
    EXPECT_EQ(res->body, "GET " + path + " ");
    EXPECT_TRUE(res->keep_alive);
  }
  // Two pipelined requests in one write are answered in order.
  ASSERT_TRUE(raw.Send(Get("/p1") + "POST /p2 HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi"));
  auto first = raw.Read();
  auto second = raw.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "GET /p1 ");
  EXPECT_EQ(second->body, "POST /p2 hi");
  EXPECT_EQ(calls.load(), 5);
  EXPECT_FALSE(raw.ClosedWithin(std::chrono::milliseconds(100)));
}

TEST(HttpServerTest, ClientConnectionCloseIsHonored) {
  auto server = StartLocal(Echo);
  ASSERT_TRUE(server);
  RawClient raw(server->port());
  ASSERT_TRUE(raw.Send(Get("/x", "Connection: close\r\n")));
  auto res = raw.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->Header("connection"), "close");
  EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(2)));
}

TEST(HttpServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  auto server = StartLocal(Echo);
  ASSERT_TRUE(server);
  {
    RawClient raw(server->port());
    ASSERT_TRUE(raw.Send("GET /old HTTP/1.0\r\n\r\n"));
    auto res = raw.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->version, 10u);
    EXPECT_EQ(res->body, "GET /old ");
    EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(2)));
  }
  RawClient raw(server->port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(raw.Send("GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto res = raw.Read();
    ASSERT_TRUE(res) << "request " << i;
    EXPECT_EQ(res->version, 10u);
    EXPECT_TRUE(res->keep_alive);
    EXPECT_EQ(res->body, "GET /ka ");
  }
}

TEST(HttpServerTest, HeadIsAnsweredWithoutBody) {
  auto server = StartLocal(Echo);
  ASSERT_TRUE(server);
  RawClient raw(server->port());
  ASSERT_TRUE(raw.Send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = raw.Read(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), std::to_string(std::string("HEAD /h ").size()));
  EXPECT_EQ(head->body, "");
  // Had a body been sent, it would be read as the next response.
  ASSERT_TRUE(raw.Send(Get("/after")));
  auto next = raw.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "GET /after ");
}

TEST(HttpServerTest, ExtraHeadersAndNoContent) {
  auto server = StartLocal([](const Request& r) {
    if (r.path == "/empty") return MakeResponse(204, "", "");
    Response created = MakeResponse(201, "{\"id\":1}");
    created.headers = {{"Location", "/jobs/1"},
                       {"Set-Cookie", "a=1"},
                       {"Set-Cookie", "b=2"},
                       {"Content-Length", "999"}};
    return created;
  });
  ASSERT_TRUE(server);
  RawClient raw(server->port());
  ASSERT_TRUE(raw.Send(Get("/create")));
  auto res = raw.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->Header("location"), "/jobs/1");
  EXPECT_EQ(res->Header("content-length"), "8");
  int cookies = 0;
  for (const auto& [k, v] : res->headers) cookies += k == "set-cookie";
  EXPECT_EQ(cookies, 2);
  EXPECT_EQ(res->body, "{\"id\":1}");
  ASSERT_TRUE(raw.Send(Get("/empty")));
  auto empty = raw.Read();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 204);
  EXPECT_EQ(empty->Header("content-length"), "");
  EXPECT_EQ(empty->Header("content-type"), "");
}

TEST(HttpServerTest, ExpectContinueGetsInterimResponse) {
  auto server = StartLocal(Echo);
  ASSERT_TRUE(server);
  RawClient raw(server->port());
  ASSERT_TRUE(
      raw.Send("POST /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
               "Content-Length: 4\r\n\r\n"));
  auto interim = raw.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(raw.Send("data"));
  auto res = raw.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "POST /up data");
}

TEST(HttpServerTest, TwoHundredConcurrentRequestsAreAllAnswered) {
  auto server = StartLocal(Echo, WithThreads(2));
  ASSERT_TRUE(server);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client;
      for (int i = 0; i < kPerThread; ++i) {
        std::string path = "/c/" + std::to_string(t) + "/" + std::to_string(i);
        auto res = client.Send(MakeRequest("POST", UrlOf(*server, path), "b"));
        if (res && res->status == 200 && res->body == "POST " + path + " b") ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(server->InFlight(), 0);
}

}  // namespace
}  // namespace retrain::testing
