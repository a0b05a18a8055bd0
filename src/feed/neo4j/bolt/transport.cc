#include "feed/neo4j/bolt/transport.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>

namespace retrain::bolt {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct Transport::Impl {
  asio::io_context ioc;
  std::optional<asio::ssl::context> ssl_ctx;
  tcp::socket socket{ioc};
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> ssl;
  std::string where;  // "host:port" for messages
  bool open = false;

  // Runs the started asynchronous operation until it completes or `timeout_ms` passes.
  // Returns false on timeout (the socket is closed then).
  bool RunFor(int64_t timeout_ms, const bool& done) {
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(timeout_ms));
    if (done) return true;
    error_code ignored;
    socket.close(ignored);
    open = false;
    ioc.restart();
    ioc.run();  // lets the cancelled handler run
    return false;
  }
};

Transport::Transport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Transport::~Transport() { Close(); }

Result<std::unique_ptr<Transport>> Transport::Connect(const TransportOptions& o) {
  auto impl = std::make_unique<Impl>();
  impl->where = o.host + ":" + std::to_string(o.port);
  const std::string& where = impl->where;
  try {
    tcp::resolver resolver(impl->ioc);
    bool done = false;
    error_code ec;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(o.host, std::to_string(o.port),
                           [&](error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             done = true;
                           });
    if (!impl->RunFor(o.connect_timeout_ms, done)) {
      resolver.cancel();
      return Fail(ErrorCode::kUnavailable, "Resolving the Neo4j host " + o.host + " timed out.");
    }
    if (ec) {
      return Fail(ErrorCode::kUnavailable,
                  "Cannot resolve the Neo4j host " + o.host + ": " + ec.message() + ".");
    }
    done = false;
    asio::async_connect(impl->socket, endpoints, [&](error_code e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    if (!impl->RunFor(o.connect_timeout_ms, done)) {
      return Fail(ErrorCode::kUnavailable, "Connecting to Neo4j at " + where + " timed out after " +
                                               std::to_string(o.connect_timeout_ms) + " ms.");
    }
    if (ec) {
      return Fail(ErrorCode::kUnavailable,
                  "Cannot connect to Neo4j at " + where + ": " + ec.message() + ".");
    }
    impl->socket.set_option(tcp::no_delay(true));
    impl->open = true;
    if (o.tls != TlsMode::kNone) {
      impl->ssl_ctx.emplace(asio::ssl::context::tls_client);
      auto& ctx = *impl->ssl_ctx;
      ctx.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                      asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      impl->ssl = std::make_unique<asio::ssl::stream<tcp::socket&>>(impl->socket, ctx);
      if (o.tls == TlsMode::kVerify) {
        ctx.set_default_verify_paths();
        if (!o.ca_file.empty()) ctx.load_verify_file(o.ca_file);
        impl->ssl->set_verify_mode(asio::ssl::verify_peer);
        impl->ssl->set_verify_callback(asio::ssl::host_name_verification(o.host));
      } else {
        impl->ssl->set_verify_mode(asio::ssl::verify_none);
      }
      SSL_set_tlsext_host_name(impl->ssl->native_handle(), o.host.c_str());
      done = false;
      impl->ssl->async_handshake(asio::ssl::stream_base::client, [&](error_code e) {
        ec = e;
        done = true;
      });
      if (!impl->RunFor(o.connect_timeout_ms, done)) {
        return Fail(ErrorCode::kUnavailable,
                    "The TLS handshake with Neo4j at " + where + " timed out.");
      }
      if (ec) {
        std::string hint = o.tls == TlsMode::kVerify
                               ? " (for a self-signed certificate use a +ssc URI scheme)"
                               : "";
        return Fail(ErrorCode::kUnavailable, "The TLS handshake with Neo4j at " + where +
                                                 " failed: " + ec.message() + hint + ".");
      }
    }
  } catch (const boost::system::system_error& e) {
    return Fail(ErrorCode::kUnavailable,
                "Cannot connect to Neo4j at " + where + ": " + e.code().message() + ".");
  }
  return std::unique_ptr<Transport>(new Transport(std::move(impl)));
}

Status Transport::WriteAll(std::string_view data, int64_t timeout_ms) {
  if (!impl_->open) {
    return Fail(ErrorCode::kUnavailable,
                "The connection to Neo4j at " + impl_->where + " is closed.");
  }
  bool done = false;
  error_code ec;
  auto handler = [&](error_code e, size_t) {
    ec = e;
    done = true;
  };
  auto buf = asio::buffer(data.data(), data.size());
  if (impl_->ssl) {
    asio::async_write(*impl_->ssl, buf, handler);
  } else {
    asio::async_write(impl_->socket, buf, handler);
  }
  if (!impl_->RunFor(timeout_ms, done)) {
    return Fail(ErrorCode::kDeadlineExceeded,
                "Writing to Neo4j at " + impl_->where + " timed out.");
  }
  if (ec) {
    Close();
    return Fail(ErrorCode::kUnavailable,
                "Lost the connection to Neo4j at " + impl_->where + ": " + ec.message() + ".");
  }
  return {};
}

Result<size_t> Transport::ReadSome(std::span<uint8_t> buffer, int64_t timeout_ms) {
  if (!impl_->open) {
    return Fail(ErrorCode::kUnavailable,
                "The connection to Neo4j at " + impl_->where + " is closed.");
  }
  bool done = false;
  error_code ec;
  size_t n = 0;
  auto handler = [&](error_code e, size_t got) {
    ec = e;
    n = got;
    done = true;
  };
  auto buf = asio::buffer(buffer.data(), buffer.size());
  if (impl_->ssl) {
    impl_->ssl->async_read_some(buf, handler);
  } else {
    impl_->socket.async_read_some(buf, handler);
  }
  if (!impl_->RunFor(timeout_ms, done)) {
    return Fail(ErrorCode::kDeadlineExceeded, "Neo4j at " + impl_->where +
                                                  " sent no answer within " +
                                                  std::to_string(timeout_ms) + " ms.");
  }
  if (ec && n == 0) {
    Close();
    std::string why = ec == asio::error::eof ? "the server closed the connection" : ec.message();
    return Fail(ErrorCode::kUnavailable,
                "Lost the connection to Neo4j at " + impl_->where + ": " + why + ".");
  }
  return n;
}

void Transport::Close() {
  if (!impl_) return;
  error_code ignored;
  impl_->socket.shutdown(tcp::socket::shutdown_both, ignored);
  impl_->socket.close(ignored);
  impl_->open = false;
}

bool Transport::is_open() const { return impl_ && impl_->open; }

}  // namespace retrain::bolt
