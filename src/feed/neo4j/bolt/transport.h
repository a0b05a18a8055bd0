#pragma once
// A blocking byte stream to a Bolt server with a deadline on every operation: plain TCP or TLS
// (OpenSSL). Built on Boost.Asio, kept out of this header.
//
// Errors: kUnavailable for refused/reset/closed connections, failed name resolution and TLS
// failures (the message says which); kDeadlineExceeded when an operation's deadline passes
// (the transport is closed then: a half-done read cannot be resumed).
// Not thread-safe: one thread uses a transport at a time.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "feed/neo4j/bolt/bolt_uri.h"

namespace retrain::bolt {

struct TransportOptions {
  std::string host;
  uint16_t port = 7687;
  TlsMode tls = TlsMode::kNone;
  std::string ca_file;  // extra trusted CA certificates (PEM) for TlsMode::kVerify
  int64_t connect_timeout_ms = 5000;
};

class Transport {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Transport>> Connect(const TransportOptions& options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  [[nodiscard]] Status WriteAll(std::string_view data, int64_t timeout_ms);
  // Reads at least one byte into `buffer`; returns how many. End of stream is kUnavailable.
  [[nodiscard]] Result<size_t> ReadSome(std::span<uint8_t> buffer, int64_t timeout_ms);
  void Close();
  bool is_open() const;

 private:
  struct Impl;
  explicit Transport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace retrain::bolt
