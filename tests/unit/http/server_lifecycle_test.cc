// Start failures, read and idle timeouts, and shutdown: graceful Stop, idle connections, and
// the destructor.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "http/http_client.h"
#include "raw_client.h"
#include "server_fixture.h"

namespace retrain::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int64_t MsSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

TEST(HttpServerLifecycleTest, PortInUseIsUnavailableAndNamesTheAddress) {
  auto first = StartLocal(Echo);
  ASSERT_TRUE(first);
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = first->port();
  auto second = HttpServer::Start(options, Echo);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(first->port())),
            std::string::npos)
      << second.error().message;
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
}

TEST(HttpServerLifecycleTest, UnresolvableHostIsUnavailable) {
  ServerOptions options;
  options.host = "no-such-host.invalid";
  options.port = 0;
  auto server = HttpServer::Start(options, Echo);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(server.error().message.find("no-such-host.invalid:0"), std::string::npos);
}

TEST(HttpServerLifecycleTest, ReadTimeoutClosesAStalledRequest) {
  ServerOptions options;
  options.read_timeout_ms = 200;
  std::atomic<int> calls{0};
  auto server = StartLocal(
      [&](const Request& r) {
        ++calls;
        return Echo(r);
      },
      options);
  ASSERT_TRUE(server);
  RawClient raw(server->port());
  auto start = Clock::now();
  ASSERT_TRUE(raw.Send("POST /slow HTTP/1.1\r\nHost: t\r\nContent-Le"));
  EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(3)));
  EXPECT_GE(MsSince(start), 150);
  EXPECT_LT(MsSince(start), 2000);
  // Same for a body that stops halfway.
  RawClient body(server->port());
  start = Clock::now();
  ASSERT_TRUE(body.Send("POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_TRUE(body.ClosedWithin(std::chrono::seconds(3)));
  EXPECT_GE(MsSince(start), 150);
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServerLifecycleTest, IdleTimeoutClosesAKeepAliveConnection) {
  ServerOptions options;
  options.idle_timeout_ms = 200;
  auto server = StartLocal(Echo, options);
  ASSERT_TRUE(server);
  RawClient raw(server->port());
  ASSERT_TRUE(raw.Send(Get("/one")));
  ASSERT_TRUE(raw.Read());
  auto start = Clock::now();
  EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(3)));
  EXPECT_GE(MsSince(start), 150);
  EXPECT_LT(MsSince(start), 2000);
}

TEST(HttpServerLifecycleTest, StopWaitsForInFlightRequestThenRefusesConnections) {
  std::promise<void> entered;
  auto server = StartLocal([&](const Request& r) {
    if (r.path == "/slow") {
      entered.set_value();
      std::this_thread::sleep_for(milliseconds(400));
    }
    return Echo(r);
  });
  ASSERT_TRUE(server);
  const uint16_t port = server->port();
  RawClient raw(port);
  ASSERT_TRUE(raw.Send(Get("/slow")));
  entered.get_future().wait();
  EXPECT_EQ(server->InFlight(), 1);

  auto start = Clock::now();
  server->Stop(5'000);
  EXPECT_GE(MsSince(start), 250);    // waited for the handler
  EXPECT_LT(MsSince(start), 3'000);  // but not for the whole grace period
  EXPECT_EQ(server->InFlight(), 0);

  auto res = raw.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "GET /slow ");
  EXPECT_EQ(res->Header("connection"), "close");
  EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(1)));
  EXPECT_TRUE(ConnectionRefused(port));
  server->Stop();  // idempotent
}

TEST(HttpServerLifecycleTest, StopClosesIdleConnectionsPromptly) {
  auto server = StartLocal(Echo);
  ASSERT_TRUE(server);
  RawClient idle(server->port());
  ASSERT_TRUE(idle.Send(Get("/x")));
  ASSERT_TRUE(idle.Read());
  RawClient silent(server->port());  // connected, never sent anything
  ASSERT_TRUE(silent.connected());
  std::this_thread::sleep_for(milliseconds(50));  // let the server accept it
  auto start = Clock::now();
  server->Stop(5'000);
  EXPECT_LT(MsSince(start), 1'000);
  EXPECT_TRUE(idle.ClosedWithin(milliseconds(500)));
  EXPECT_TRUE(silent.ClosedWithin(milliseconds(500)));
}

TEST(HttpServerLifecycleTest, GraceExpiryClosesStalledConnections) {
  auto server = StartLocal(Echo);
  ASSERT_TRUE(server);
  RawClient stalled(server->port());
  ASSERT_TRUE(stalled.Send("GET /half HTTP/1.1\r\nHo"));
  std::this_thread::sleep_for(milliseconds(50));
  auto start = Clock::now();
  server->Stop(300);
  EXPECT_GE(MsSince(start), 250);
  EXPECT_LT(MsSince(start), 2'000);
  EXPECT_TRUE(stalled.ClosedWithin(milliseconds(500)));
}

TEST(HttpServerLifecycleTest, DestructorStops) {
  uint16_t port = 0;
  {
    auto server = StartLocal(Echo);
    ASSERT_TRUE(server);
    port = server->port();
    HttpClient client;
    auto res = client.Send(MakeRequest("GET", UrlOf(*server, "/")));
    ASSERT_TRUE(res.has_value());
  }
  EXPECT_TRUE(ConnectionRefused(port));
}

TEST(HttpServerLifecycleTest, InFlightCountsRunningHandlers) {
  std::atomic<int> release{0};
  std::atomic<int> entered{0};
  ServerOptions options;
  options.threads = 3;
  auto server = StartLocal(
      [&](const Request& r) {
        ++entered;
        while (release.load() == 0) std::this_thread::sleep_for(milliseconds(5));
        return Echo(r);
      },
      options);
  ASSERT_TRUE(server);
  RawClient a(server->port()), b(server->port());
  ASSERT_TRUE(a.Send(Get("/a")));
  ASSERT_TRUE(b.Send(Get("/b")));
  auto deadline = Clock::now() + std::chrono::seconds(3);
  while (entered.load() < 2 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(server->InFlight(), 2);
  release = 1;
  ASSERT_TRUE(a.Read());
  ASSERT_TRUE(b.Read());
  deadline = Clock::now() + std::chrono::seconds(3);
  while (server->InFlight() != 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(server->InFlight(), 0);
}

}  // namespace
}  // namespace retrain::testing

namespace retrain::testing {
namespace {

// A streaming client stops a quiet transfer once keep_going turns false, without an error and
// before the answer arrives (how the Kubernetes watch is ended on shutdown).
TEST(HttpClientKeepGoing, StopsAQuietTransferPromptly) {
  auto server = StartLocal([](const Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    return MakeResponse(200, "{}");
  });
  ASSERT_NE(server, nullptr);
  HttpClient client;
  HttpRequest req = MakeRequest("GET", UrlOf(*server, "/slow"));
  req.timeout_ms = 10'000;
  int polls = 0;
  req.keep_going = [&polls] { return ++polls < 3; };
  bool received = false;
  auto resp = client.SendStreaming(req, [&received](std::string_view) {
    received = true;
    return true;
  });
  ASSERT_TRUE(resp.has_value()) << resp.error().message;
  EXPECT_FALSE(received) << "the transfer ran to the end";
  EXPECT_GE(polls, 3);
  HttpRequest full = MakeRequest("GET", UrlOf(*server, "/slow"));
  auto done = client.Send(full);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, 200);
}

}  // namespace
}  // namespace retrain::testing
