#pragma once
// The HTTP server: asynchronous (Boost.Beast), a small thread pool, keep-alive, optional TLS
// (reloadable), a timeout on every read, a bounded request body, graceful shutdown. Beast stays
// inside server.cc: callers see only these plain types, and the handler is a pure "request in,
// response out" function
// that the API layer can unit-test without sockets.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace retrain {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent, e.g. "/retraining/jobs?limit=5"
  std::string path;    // decoded path without the query, e.g. "/retraining/jobs"
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;
  // Set by the API edge once the caller is authenticated: "read", "trigger" or "admin" (the
  // role of an open API is "admin"); "" = not checked. What a client sends never sets it.
  std::string auth_role;

  std::string Header(std::string_view name) const;                // "" when absent
  std::optional<std::string> Query(std::string_view name) const;  // first value
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
};

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port (see HttpServer::port())
  int threads = 2;
  size_t max_body_bytes = 1 << 20;   // larger bodies are answered 413 without calling the handler
  int64_t read_timeout_ms = 30'000;  // per request, headers and body
  int64_t idle_timeout_ms = 60'000;  // keep-alive connection with no request
  // HTTPS when both are set: PEM certificate chain (leaf first) and its private key.
  std::string tls_cert_file;
  std::string tls_key_file;
  bool Tls() const { return !tls_cert_file.empty(); }
};

class HttpServer {
 public:
  // Binds and starts listening; fails with kUnavailable (address in use, ...) naming the address.
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options, Handler handler);
  ~HttpServer();  // stops (like Stop) if still running

  uint16_t port() const;  // the bound port

  // Reads the TLS certificate and key files again (after a renewal); connections accepted from
  // now on use them, open ones keep theirs. On an error (kInvalidArgument naming the file) the
  // server keeps serving the previous certificate. kFailedPrecondition without TLS.
  [[nodiscard]] Status ReloadTls();

  // Stops accepting, lets requests in flight finish (up to `grace_ms`), closes connections,
  // joins the threads. Idempotent; safe to call from any thread except a handler.
  void Stop(int64_t grace_ms = 5'000);

  // Number of requests being handled right now.
  int InFlight() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space).
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace retrain
