#pragma once
// Helpers shared by the HTTP server tests: start a server on a free loopback port and an echo
// handler that reports what the server handed it.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "http/http_client.h"
#include "http/server.h"

namespace retrain::testing {

inline std::unique_ptr<HttpServer> StartLocal(Handler handler, ServerOptions options = {}) {
  options.host = "127.0.0.1";
  options.port = 0;
  auto server = HttpServer::Start(options, std::move(handler));
  EXPECT_TRUE(server.has_value()) << (server ? "" : server.error().message);
  return server ? std::move(*server) : nullptr;
}

inline std::string UrlOf(const HttpServer& server, std::string_view target) {
  return "http://127.0.0.1:" + std::to_string(server.port()) + std::string(target);
}

// Answers "<METHOD> <path> <body>" as text/plain with an "X-Echo-Path" header.
inline Response Echo(const Request& request) {
  Response r;
  r.content_type = "text/plain";
  r.headers.emplace_back("X-Echo-Path", request.path);
  r.body = request.method + " " + request.path + " " + request.body;
  return r;
}

inline Response MakeResponse(int status, std::string body,
                             std::string content_type = "application/json") {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

inline HttpRequest MakeRequest(std::string method, std::string url, std::string body = {},
                               std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline ServerOptions WithThreads(int threads) {
  ServerOptions options;
  options.threads = threads;
  return options;
}

inline std::string Get(std::string_view target, std::string_view extra_headers = {}) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) +
         "\r\n";
}

}  // namespace retrain::testing
