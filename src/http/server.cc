// The HTTP server: one io_context run by a small thread pool, one coroutine per connection
// (each on its own strand), a timeout on every read and write, graceful shutdown. The pieces
// that turn a parsed request into the plain Request and a Response back into Beast's message
// live in server_message.cc.

#include "http/server.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "http/server_message.h"

namespace retrain {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using net::awaitable;

namespace {

constexpr size_t kHeaderLimit = 32 * 1024;
constexpr size_t kReadChunk = 4096;
// After answering a request whose body was not read (413, 400), keep reading and discarding
// for a moment so the peer sees the answer instead of a reset.
constexpr auto kLingerTime = std::chrono::milliseconds(500);
constexpr auto kUnwindTime = std::chrono::seconds(1);

auto Ms(int64_t ms) { return std::chrono::milliseconds(ms < 1 ? 1 : ms); }

// What went wrong in an OpenSSL call, as OpenSSL words it ("no start line", ...).
std::string TlsReason(const beast::error_code& ec) {
  if (ec.category() == net::error::get_ssl_category()) {
    if (const char* r = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) return r;
  }
  return ec.message();
}

// A file's problem before OpenSSL reads it: missing or unreadable. "" when it can be opened.
std::string Unreadable(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::strerror(errno);
  std::fclose(f);
  return "";
}

// A TLS server context with the certificate chain and key of `options`. TLS 1.2 or newer only.
// Errors: kInvalidArgument naming the file and the cause.
Result<std::shared_ptr<ssl::context>> LoadTlsContext(const ServerOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  const std::string& cert = options.tls_cert_file;
  const std::string& key = options.tls_key_file;
  for (const std::string* file : {&cert, &key}) {
    if (std::string why = Unreadable(*file); !why.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "Cannot read the TLS " + std::string(file == &cert ? "certificate " : "key ") +
                      *file + ": " + why + ".");
    }
  }
  if (ctx->use_certificate_chain_file(cert, ec)) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "The TLS certificate " + cert + " is not a PEM certificate: " + TlsReason(ec) + ".");
  }
  ERR_clear_error();
  if (ctx->use_private_key_file(key, ssl::context::pem, ec) ||
      SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    // Tell a key of another certificate from a file that holds no key at all.
    bool is_key = false;
    if (std::FILE* f = std::fopen(key.c_str(), "rb")) {
      if (EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr)) {
        is_key = true;
        EVP_PKEY_free(k);
      }
      std::fclose(f);
    }
    ERR_clear_error();
    if (is_key) {
      return Fail(ErrorCode::kInvalidArgument,
                  "The TLS key " + key + " does not belong to the certificate " + cert + ".");
    }
    return Fail(ErrorCode::kInvalidArgument,
                "The TLS key " + key + " is not a PEM private key: " + TlsReason(ec) + ".");
  }
  return ctx;
}

}  // namespace

struct Session;

// Everything the connections share. HttpServer::Impl is this; the free functions below see it
// under this name because Impl is private to HttpServer.
struct ServerState {
  ServerOptions options;
  Handler handler;

  // Guards `sessions`. Declared before `io` so it outlives sessions destroyed with the
  // io_context.
  std::mutex mu;
  std::condition_variable changed;  // a session ended
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;

  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::mutex stop_mu;    // serializes Stop
  bool stopped = false;  // guarded by stop_mu

  // The TLS context new connections use (null: plain HTTP). Reload swaps it; connections keep
  // the one they started with.
  std::mutex tls_mu;
  std::shared_ptr<ssl::context> tls;  // guarded by tls_mu

  net::io_context io;
  tcp::acceptor acceptor{net::make_strand(io)};  // used only on its strand
  uint16_t port = 0;
  std::vector<std::thread> threads;

  ServerState(ServerOptions o, Handler h)
      : options(std::move(o)), handler(std::move(h)), io(std::max(1, options.threads)) {}
};

// One accepted connection, plain or TLS. Owned by its coroutine; the server keeps a weak
// reference so it can close the connection on shutdown. Everything but the registration runs on
// the socket's strand.
struct Session {
  Session(ServerState& impl, tcp::socket socket, std::shared_ptr<ssl::context> tls_context)
      : impl(impl), plain(std::move(socket)), tls_context(std::move(tls_context)) {
    beast::error_code ec;
    auto endpoint = plain.socket().remote_endpoint(ec);
    if (!ec) remote = endpoint.address().to_string();
    plain.socket().set_option(tcp::no_delay(true), ec);
    if (this->tls_context) tls.emplace(std::move(plain), *this->tls_context);
  }
  ~Session() {
    std::lock_guard lock(impl.mu);
    impl.sessions.erase(this);
    impl.changed.notify_all();
  }

  // The TCP layer, under TLS or not: timeouts, shutdown and close act on it.
  beast::tcp_stream& Tcp() { return tls ? beast::get_lowest_layer(*tls) : plain; }

  ServerState& impl;
  beast::tcp_stream plain;  // moved into `tls` for a TLS connection
  std::shared_ptr<ssl::context> tls_context;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::string remote;
  bool idle = false;  // waiting for the first byte of the next request
};

namespace {

// Counts a request as in flight while the handler runs.
class InFlightGuard {
 public:
  explicit InFlightGuard(ServerState& impl) : impl_(impl) { ++impl_.in_flight; }
  ~InFlightGuard() { --impl_.in_flight; }
  InFlightGuard(const InFlightGuard&) = delete;
  InFlightGuard& operator=(const InFlightGuard&) = delete;

 private:
  ServerState& impl_;
};

bool IsHttpError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// The answer to a request that could not be read, or nothing when the connection should just
// be closed (peer gone, timeout, shutdown).
std::optional<ErrorReply> ReplyForReadError(const beast::error_code& ec, size_t body_limit) {
  if (ec == http::error::body_limit) return PayloadTooLarge(body_limit);
  if (ec == http::error::header_limit) return HeaderTooLarge();
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (IsHttpError(ec)) return BadRequest("The request is not valid HTTP.");
  return std::nullopt;
}

// Ends the sending side: a TLS close_notify first (bounded by the linger time), then the TCP
// half-close.
template <class Stream>
awaitable<void> ShutdownSend(Session& s, Stream& stream) {
  beast::error_code ec;
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    s.Tcp().expires_after(kLingerTime);
    co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
  }
  s.Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
}

template <class Stream>
awaitable<void> LingeringClose(Session& s, Stream& stream) {
  beast::error_code ec;
  co_await ShutdownSend(s, stream);
  s.Tcp().expires_after(kLingerTime);
  std::array<char, kReadChunk> scratch;
  while (!ec) {
    co_await s.Tcp().async_read_some(net::buffer(scratch),
                                     net::redirect_error(net::use_awaitable, ec));
  }
}

template <class Stream>
awaitable<void> WriteError(Session& s, Stream& stream, const ErrorReply& reply, unsigned version) {
  auto res = ErrorResponse(reply, version);
  s.Tcp().expires_after(Ms(s.impl.options.read_timeout_ms));
  beast::error_code ec;
  co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
  if (!ec) co_await LingeringClose(s, stream);
}

// Waits for the first byte of the next request. False when the connection should end.
template <class Stream>
awaitable<bool> AwaitNextRequest(Session& s, Stream& stream) {
  if (s.buffer.size() > 0) co_return true;  // pipelined request already buffered
  if (s.impl.stopping) co_return false;
  s.idle = true;
  s.Tcp().expires_after(Ms(s.impl.options.idle_timeout_ms));
  beast::error_code ec;
  size_t n = co_await stream.async_read_some(s.buffer.prepare(kReadChunk),
                                             net::redirect_error(net::use_awaitable, ec));
  s.idle = false;
  if (ec) co_return false;
  s.buffer.commit(n);
  co_return true;
}

template <class Stream>
awaitable<void> Serve(Session& s, Stream& stream) {
  const ServerOptions& options = s.impl.options;
  for (;;) {
    if (!co_await AwaitNextRequest(s, stream)) co_return;

    s.Tcp().expires_after(Ms(options.read_timeout_ms));
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.max_body_bytes);
    beast::error_code ec;
    co_await http::async_read_header(stream, s.buffer, parser,
                                     net::redirect_error(net::use_awaitable, ec));
    if (!ec && parser.content_length() && *parser.content_length() > options.max_body_bytes) {
      ec = http::error::body_limit;
    }
    if (!ec && !parser.is_done()) {
      if (ExpectsContinue(parser.get())) {
        http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
        co_await http::async_write(stream, go_on, net::redirect_error(net::use_awaitable, ec));
        if (ec) co_return;
      }
      co_await http::async_read(stream, s.buffer, parser,
                                net::redirect_error(net::use_awaitable, ec));
    }
    const unsigned version = parser.is_header_done() ? parser.get().version() : 11;
    if (ec) {
      if (auto reply = ReplyForReadError(ec, options.max_body_bytes)) {
        co_await WriteError(s, stream, *reply, version);
      }
      co_return;
    }

    auto request = ToRequest(parser.release(), s.remote);
    if (!request) {
      co_await WriteError(s, stream, request.error(), version);
      co_return;
    }
    bool keep_alive = request->keep_alive && !s.impl.stopping;
    BeastResponse res;
    {
      InFlightGuard in_flight(s.impl);
      res = Respond(s.impl.handler, request->request, version, &keep_alive);
    }
    if (s.impl.stopping) keep_alive = false;
    res.keep_alive(keep_alive);
    s.Tcp().expires_after(Ms(options.read_timeout_ms));
    co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    if (!keep_alive) {
      co_await ShutdownSend(s, stream);
      co_return;
    }
  }
}

awaitable<void> RunSession(std::shared_ptr<Session> s) {
  try {
    if (s->tls) {
      // The handshake counts against the read timeout, like a request's headers.
      s->Tcp().expires_after(Ms(s->impl.options.read_timeout_ms));
      beast::error_code ec;
      co_await s->tls->async_handshake(ssl::stream_base::server,
                                       net::redirect_error(net::use_awaitable, ec));
      if (!ec) co_await Serve(*s, *s->tls);
    } else {
      co_await Serve(*s, s->plain);
    }
  } catch (const std::exception&) {
    // A failure of this one connection; the connection is closed below.
  }
  beast::error_code ec;
  s->Tcp().socket().close(ec);
}

awaitable<void> AcceptLoop(ServerState& impl) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await impl.acceptor.async_accept(
        net::make_strand(impl.io), net::redirect_error(net::use_awaitable, ec));
    if (impl.stopping || !impl.acceptor.is_open() || ec == net::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // Out of descriptors or a connection aborted before accept: back off briefly.
      net::steady_timer pause(impl.acceptor.get_executor(), std::chrono::milliseconds(20));
      co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    std::shared_ptr<ssl::context> tls;
    {
      std::lock_guard lock(impl.tls_mu);
      tls = impl.tls;
    }
    auto session = std::make_shared<Session>(impl, std::move(socket), std::move(tls));
    {
      std::lock_guard lock(impl.mu);
      impl.sessions.emplace(session.get(), session);
    }
    auto executor = session->Tcp().get_executor();
    net::co_spawn(executor, RunSession(std::move(session)), net::detached);
  }
}

std::vector<std::shared_ptr<Session>> LiveSessions(ServerState& impl) {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(impl.mu);
  for (auto& [raw, weak] : impl.sessions) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

Result<tcp::endpoint> ResolveListenAddress(ServerState& impl, const std::string& where) {
  beast::error_code ec;
  auto address = net::ip::make_address(impl.options.host, ec);
  if (!ec) return tcp::endpoint(address, impl.options.port);
  tcp::resolver resolver(impl.io);
  auto results = resolver.resolve(impl.options.host, std::to_string(impl.options.port),
                                  tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return Fail(ErrorCode::kUnavailable,
                "Cannot resolve listen address " + where + ": " + ec.message() + ".");
  }
  return results.begin()->endpoint();
}

}  // namespace

struct HttpServer::Impl : ServerState {
  using ServerState::ServerState;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                      Handler handler) {
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  if (options.Tls()) {
    auto tls = LoadTlsContext(options);
    if (!tls) return std::unexpected(tls.error());
    impl->tls = std::move(*tls);
  }
  const std::string where = options.host + ":" + std::to_string(options.port);
  auto endpoint = ResolveListenAddress(*impl, where);
  if (!endpoint) return std::unexpected(endpoint.error());

  beast::error_code ec;
  auto& acceptor = impl->acceptor;
  auto fail = [&](const char* step) {
    return Fail(ErrorCode::kUnavailable,
                "Cannot listen on " + where + " (" + step + "): " + ec.message() + ".");
  };
  if (acceptor.open(endpoint->protocol(), ec)) return fail("open");
  if (acceptor.set_option(net::socket_base::reuse_address(true), ec)) return fail("reuse");
  if (acceptor.bind(*endpoint, ec)) return fail("bind");
  if (acceptor.listen(net::socket_base::max_listen_connections, ec)) return fail("listen");
  impl->port = acceptor.local_endpoint(ec).port();
  if (ec) return fail("local address");

  Impl& ref = *impl;
  net::co_spawn(acceptor.get_executor(), AcceptLoop(ref), net::detached);
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    ref.threads.emplace_back([&ref] {
      for (;;) {
        try {
          ref.io.run();
          return;
        } catch (const std::exception&) {
          // A handler escaped its coroutine; keep serving the others.
        }
      }
    });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port; }

Status HttpServer::ReloadTls() {
  if (!impl_->options.Tls()) {
    return Fail(ErrorCode::kFailedPrecondition, "The server was started without TLS.");
  }
  auto tls = LoadTlsContext(impl_->options);
  if (!tls) return std::unexpected(tls.error());
  std::lock_guard lock(impl_->tls_mu);
  impl_->tls = std::move(*tls);
  return {};
}

int HttpServer::InFlight() const { return impl_->in_flight.load(); }

void HttpServer::Stop(int64_t grace_ms) {
  if (!impl_) return;
  Impl& impl = *impl_;
  std::lock_guard stop_lock(impl.stop_mu);
  if (impl.stopped) return;
  impl.stopped = true;
  impl.stopping = true;
  const auto deadline = std::chrono::steady_clock::now() + Ms(grace_ms);

  // Stop accepting; wait for that so no connection is accepted once the grace period starts.
  auto acceptor_closed = std::make_shared<std::promise<void>>();
  net::post(impl.acceptor.get_executor(), [&impl, acceptor_closed] {
    beast::error_code ec;
    impl.acceptor.close(ec);
    acceptor_closed->set_value();
  });
  acceptor_closed->get_future().wait_until(deadline);

  // Idle keep-alive connections end now; busy ones end after their current response.
  for (auto& s : LiveSessions(impl)) {
    net::post(s->Tcp().get_executor(), [s] {
      if (s->idle) s->Tcp().cancel();
    });
  }
  {
    std::unique_lock lock(impl.mu);
    impl.changed.wait_until(lock, deadline, [&] { return impl.sessions.empty(); });
  }
  // Out of grace: close whatever is left.
  for (auto& s : LiveSessions(impl)) {
    net::post(s->Tcp().get_executor(), [s] {
      beast::error_code ec;
      s->Tcp().socket().close(ec);
    });
  }
  {
    std::unique_lock lock(impl.mu);
    impl.changed.wait_for(lock, kUnwindTime, [&] { return impl.sessions.empty(); });
  }
  impl.io.stop();
  for (auto& t : impl.threads) t.join();
  impl.threads.clear();
  beast::error_code ec;
  impl.acceptor.close(ec);
}

}  // namespace retrain
