#pragma once
// A scripted loopback HTTP server for unit tests (a fake: each connection gets the next canned
// raw response, then is closed), and helpers to write such responses.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace retrain::testing_support {

class ScriptedServer {
 public:
  ScriptedServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Add(std::string raw) {
    std::lock_guard l(mu_);
    responses_.push_back(std::move(raw));
  }
  std::vector<std::string> requests() {
    std::lock_guard l(mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      size_t header_end = req.find("\r\n\r\n");
      size_t cl = req.find("Content-Length: ");
      if (header_end != std::string::npos && cl != std::string::npos && cl < header_end) {
        size_t want = std::stoul(req.substr(cl + 16)) + header_end + 4;
        while (req.size() < want) {
          ssize_t n = read(c, buf, sizeof buf);
          if (n <= 0) break;
          req.append(buf, static_cast<size_t>(n));
        }
      }
      std::string resp;
      {
        std::lock_guard l(mu_);
        requests_.push_back(req);
        if (responses_.empty()) {
          resp =
              "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: "
              "close\r\n\r\n";
        } else {
          resp = responses_.front();
          responses_.pop_front();
        }
      }
      (void)!write(c, resp.data(), resp.size());
      close(c);
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::deque<std::string> responses_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

inline std::string Response(int status, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

inline std::string Chunked(const std::vector<std::string>& chunks, bool terminate = true) {
  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n";
  for (const auto& c : chunks) {
    char len[16];
    snprintf(len, sizeof len, "%zx", c.size());
    out += std::string(len) + "\r\n" + c + "\r\n";
  }
  if (terminate) out += "0\r\n\r\n";
  return out;
}

}  // namespace retrain::testing_support
