#pragma once
// A test-only HTTP/1.x client over a plain blocking socket, for what libcurl hides: exact bytes
// on the wire, several requests on one connection, half-sent requests, and whether (and when)
// the server closed the connection. Every read has a deadline, so a broken server fails the test
// instead of hanging it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace retrain::testing {

struct RawResponse {
  int status = 0;
  unsigned version = 11;
  bool keep_alive = false;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string Header(std::string_view name) const;  // "" when absent
};

class RawClient {
 public:
  explicit RawClient(uint16_t port);  // connects to 127.0.0.1:port; connected() tells
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes all bytes; false when the server has already closed the connection.
  bool Send(std::string_view bytes);
  // Reads one response. `head` says it answers a HEAD request (no body follows).
  // nullopt on timeout, a closed connection or an unparsable response.
  std::optional<RawResponse> Read(bool head = false,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the server closes the connection (EOF or reset) within `timeout`; bytes that
  // arrive meanwhile are discarded.
  bool ClosedWithin(std::chrono::milliseconds timeout);

 private:
  // Appends what arrives to pending_; false on timeout or a closed connection.
  bool RecvSome(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  bool closed_ = false;
  std::string pending_;
};

// True when a TCP connection to 127.0.0.1:port is refused.
bool ConnectionRefused(uint16_t port);

}  // namespace retrain::testing
