#pragma once
// A blocking HTTP/1.1 client (libcurl) for talking to MLflow, Kubernetes, the orchestrator's own
// API and other services. One HttpClient may be used from several threads at once; each Send
// uses its own connection handle, and connections are reused per thread.
//
// Transport failures (refused, reset, DNS, TLS) are kUnavailable; a timeout is
// kDeadlineExceeded. Any HTTP status, including 4xx/5xx, is a successful Send: the caller
// decides what a status means.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace retrain {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t timeout_ms = 10'000;  // whole request
  int64_t connect_timeout_ms = 3'000;
  // Polled about once a second while the request runs (and on every chunk received); returning
  // false ends the transfer early, like on_data returning false. Empty = run to the end.
  std::function<bool()> keep_going;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The first header with this (case-insensitive) name, or "".
  std::string Header(std::string_view name) const;
};

struct TlsOptions {
  bool verify = true;   // verify the peer certificate and host name
  std::string ca_file;  // PEM bundle file; "" = system default
  std::string ca_pem;   // PEM bundle in memory (kubeconfig certificate-authority-data)
  std::string client_cert_file, client_key_file;
  std::string client_cert_pem, client_key_pem;
};

class HttpClient {
 public:
  explicit HttpClient(TlsOptions tls = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  [[nodiscard]] Result<HttpResponse> Send(const HttpRequest& request) const;

  // Sends the request and hands the response body to `on_data` as it arrives (for watches and
  // large downloads). `on_data` returns false to stop the transfer (not an error). The returned
  // response has the status and headers but an empty body.
  [[nodiscard]] Result<HttpResponse> SendStreaming(
      const HttpRequest& request, const std::function<bool(std::string_view)>& on_data) const;

 private:
  TlsOptions tls_;
};

}  // namespace retrain
