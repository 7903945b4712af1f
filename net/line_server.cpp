#define ASIO_STANDALONE 1
#include "net/line_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <mutex>
#include <optional>
#include <vector>

#include "base/logfmt.hpp"
#include "net/line_framer.hpp"

namespace zest::net {
namespace {

using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using unix_sock = asio::local::stream_protocol;

// One stream type for plain and TLS: the socket moves into the TLS stream
// at STARTTLS.
template <class Socket>
class Stream {
 public:
  explicit Stream(Socket s) : plain_(std::move(s)) {}
  awaitable<std::size_t> read_some(asio::mutable_buffer buf) {
    if (tls_) co_return co_await tls_->async_read_some(buf, use_awaitable);
    co_return co_await plain_->async_read_some(buf, use_awaitable);
  }
  awaitable<void> write(std::string_view bytes) {
    if (tls_)
      co_await asio::async_write(*tls_, asio::buffer(bytes), use_awaitable);
    else
      co_await asio::async_write(*plain_, asio::buffer(bytes), use_awaitable);
  }
  awaitable<void> start_tls(asio::ssl::context& ctx) {
    tls_.emplace(std::move(*plain_), ctx);
    plain_.reset();
    co_await tls_->async_handshake(asio::ssl::stream_base::server, use_awaitable);
  }
  void cancel() {
    std::error_code ec;
    lowest().cancel(ec);
  }
  auto& lowest() { return tls_ ? tls_->next_layer() : *plain_; }
  void close() {
    std::error_code ec;
    lowest().shutdown(asio::socket_base::shutdown_both, ec);
    lowest().close(ec);
  }

 private:
  std::optional<Socket> plain_;
  std::optional<asio::ssl::stream<Socket>> tls_;
};

// A session's deadline; a watchdog cancels the socket when it passes.
struct Watch {
  explicit Watch(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool timed_out = false;
  bool done = false;
};

}  // namespace

std::string Endpoint::to_string() const {
  if (kind == Kind::Unix) return "unix:" + path;
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

Result<Endpoint> parse_endpoint(std::string_view spec) {
  using R = Result<Endpoint>;
  Endpoint e;
  if (spec.starts_with("unix:")) {
    e.kind = Endpoint::Kind::Unix;
    e.path = std::string(spec.substr(5));
    if (e.path.empty()) return R::failure("'" + std::string(spec) + "': empty socket path");
    if (e.path.size() >= 108)
      return R::failure("'" + std::string(spec) + "': socket path too long");
    return e;
  }
  std::string_view host, port;
  if (spec.starts_with("[")) {
    const auto close = spec.find("]:");
    if (close == std::string_view::npos)
      return R::failure("'" + std::string(spec) + "': expected [addr]:port");
    host = spec.substr(1, close - 1);
    port = spec.substr(close + 2);
  } else {
    const auto colon = spec.rfind(':');
    if (colon == std::string_view::npos || spec.find(':') != colon)
      return R::failure("'" + std::string(spec) + "': expected host:port or unix:/path");
    host = spec.substr(0, colon);
    port = spec.substr(colon + 1);
  }
  unsigned long p = 0;
  if (port.empty() || port.size() > 5) return R::failure("'" + std::string(spec) + "': bad port");
  for (char c : port) {
    if (c < '0' || c > '9') return R::failure("'" + std::string(spec) + "': bad port");
    p = p * 10 + static_cast<unsigned long>(c - '0');
  }
  if (p > 65535 || host.empty()) return R::failure("'" + std::string(spec) + "': bad host or port");
  e.host = std::string(host);
  e.port = static_cast<std::uint16_t>(p);
  return e;
}

namespace {

// A server context with the [tls] policy: the oldest protocol and the TLS
// 1.2 ciphers (ServerOptions), the server's cipher order, no renegotiation.
Result<std::shared_ptr<asio::ssl::context>> make_tls_context(const std::string& cert,
                                                             const std::string& key,
                                                             const ServerOptions& policy) {
  using R = Result<std::shared_ptr<asio::ssl::context>>;
  try {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    SSL_CTX* native = ctx->native_handle();
    const std::string& min = policy.tls_min_protocol;
    const int version = min == "TLSv1.3" ? TLS1_3_VERSION : min == "TLSv1.2" ? TLS1_2_VERSION : 0;
    if (version == 0) return R::failure("[tls] min_protocol: \"" + min + "\" is not TLSv1.2 or TLSv1.3");
    SSL_CTX_set_min_proto_version(native, version);
    const std::string ciphers = policy.tls_ciphers.empty() ? kModernCiphers : policy.tls_ciphers;
    if (SSL_CTX_set_cipher_list(native, ciphers.c_str()) != 1)
      return R::failure("[tls] ciphers: no usable cipher in \"" + ciphers + "\"");
    SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    ctx->use_certificate_chain_file(cert);
    ctx->use_private_key_file(key, asio::ssl::context::pem);
    return ctx;
  } catch (const std::system_error& e) {
    return R::failure("TLS certificate/key: " + std::string(e.what()));
  }
}

}  // namespace

struct LineServer::Impl {
  ServerOptions options;
  HandlerFactory factory;
  NetLog log;
  asio::io_context io{1};
  asio::thread_pool pool;
  // Shared: a session that started TLS keeps its context across a reload.
  std::shared_ptr<asio::ssl::context> tls;
  std::mutex tls_mu;  // reload_tls() swaps `tls` from another thread
  std::shared_ptr<asio::ssl::context> current_tls() {
    std::lock_guard lock(tls_mu);
    return tls;
  }
  std::vector<tcp::acceptor> tcp_acceptors;
  std::vector<unix_sock::acceptor> unix_acceptors;
  std::vector<std::uint16_t> ports;
  std::vector<std::string> unix_paths;
  std::size_t active = 0;  // touched only on the I/O thread
  std::uint64_t next_id = 1;

  Impl(ServerOptions o, HandlerFactory f, NetLog l)
      : options(std::move(o)), factory(std::move(f)), log(std::move(l)), pool(options.workers) {}

  template <class Socket>
  awaitable<void> session(Socket sock, std::string remote) {
    ConnectionInfo info;
    info.id = next_id++;
    info.remote = std::move(remote);
    info.tls_available = current_tls() != nullptr;
    info.over_limit = active >= options.max_connections;
    ++active;
    struct Count {
      std::size_t& n;
      ~Count() { --n; }
    } count{active};
    auto handler = factory(info);
    std::shared_ptr<asio::ssl::context> session_tls;  // outlives the stream
    Stream<Socket> stream(std::move(sock));
    auto watch = std::make_shared<Watch>(io.get_executor());
    // The watchdog: cancels pending I/O once the deadline passes.
    asio::co_spawn(
        io,
        [watch, &stream]() -> awaitable<void> {
          while (!watch->done) {
            watch->timer.expires_at(watch->deadline);
            std::error_code ec;
            co_await watch->timer.async_wait(asio::redirect_error(use_awaitable, ec));
            if (watch->done) break;
            if (std::chrono::steady_clock::now() >= watch->deadline) {
              watch->timed_out = true;
              stream.cancel();
              break;
            }
          }
        },
        asio::detached);
    auto set_deadline = [&](std::chrono::seconds s) {
      watch->deadline = std::chrono::steady_clock::now() + s;
      watch->timer.expires_at(watch->deadline);  // wakes the watchdog to re-arm
    };
    auto no_deadline = [&] {
      watch->deadline = std::chrono::steady_clock::time_point::max();
      watch->timer.expires_at(watch->deadline);
    };

    LineFramer framer(options.max_line);
    std::vector<char> chunk(16 * 1024);
    try {
      Output out = handler->greeting();
      set_deadline(handler->timeout());
      co_await stream.write(out.bytes);
      bool open = !out.close && !info.over_limit;
      while (open) {
        // Handle every complete frame in the buffer, batching the replies
        // (RFC 2920: send them all once the input buffer is empty).
        std::string pending;
        bool tls_now = false;
        while (open) {
          const Frame f = framer.next();
          if (f.kind == Frame::Kind::NeedMore) break;  // read more
          Output o = f.kind == Frame::Kind::Line      ? handler->on_line(f.text, f.crlf)
                     : f.kind == Frame::Kind::Literal ? handler->on_literal(f.text)
                                                      : handler->on_overlong_line();
          if (o.delay.count() > 0) {
            asio::steady_timer pause(io);
            pause.expires_after(o.delay);
            co_await pause.async_wait(use_awaitable);
          }
          pending += o.bytes;
          if (o.work) {
            co_await stream.write(pending);
            pending.clear();
            no_deadline();
            Output w;
            do {
              w = co_await asio::co_spawn(
                  pool, [h = handler.get()]() -> awaitable<Output> { co_return h->work(); },
                  use_awaitable);
              if (w.delay.count() > 0) {
                asio::steady_timer pause(io);
                pause.expires_after(w.delay);
                co_await pause.async_wait(use_awaitable);
              }
              // Each recipient's reply goes out as soon as it is known.
              co_await stream.write(w.bytes);
              if (w.close) o.close = true;
              if (w.start_tls) o.start_tls = true;
              if (w.read_literal)
                o.read_literal = w.read_literal, o.discard_literal = w.discard_literal;
            } while (w.work);
            set_deadline(handler->timeout());
          }
          framer.expect_literal(o.read_literal, o.discard_literal);
          if (o.close) open = false;
          if (o.start_tls) {
            tls_now = true;
            break;
          }
        }
        if (!pending.empty()) co_await stream.write(pending);
        if (!open) break;
        if (tls_now) {
          framer.drop_buffered();  // plaintext pipelined after STARTTLS
          session_tls = current_tls();
          if (!session_tls) break;
          co_await stream.start_tls(*session_tls);
          handler->on_tls_started();
          Output g = handler->tls_greeting();
          if (!g.bytes.empty()) co_await stream.write(g.bytes);
          set_deadline(handler->timeout());
          continue;
        }
        set_deadline(handler->timeout());
        const std::size_t n = co_await stream.read_some(asio::buffer(chunk));
        framer.feed(std::string_view(chunk.data(), n));
      }
    } catch (const std::system_error&) {
      // Connection closed, reset, or cancelled by the watchdog.
    }
    if (watch->timed_out) {
      watch->done = true;
      Output o = handler->on_timeout();
      try {
        // A short, best-effort goodbye: the peer may not read it.
        co_await stream.write(o.bytes);
      } catch (const std::system_error&) {
      }
    }
    watch->done = true;
    watch->timer.cancel();
    stream.close();
  }

  template <class Acceptor>
  awaitable<void> accept_loop(Acceptor& acc, bool is_tcp) {
    for (;;) {
      std::error_code ec;
      auto sock = co_await acc.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) {
        log("event=accept-error " + base::log_field("error", ec.message()));
        continue;
      }
      std::string remote = "unix";
      if constexpr (std::is_same_v<Acceptor, tcp::acceptor>) {
        std::error_code ec2;
        const auto ep = sock.remote_endpoint(ec2);
        if (!ec2) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
      }
      (void)is_tcp;
      asio::co_spawn(io, session(std::move(sock), std::move(remote)), asio::detached);
    }
  }
};

LineServer::LineServer(ServerOptions options, HandlerFactory factory, NetLog log)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(factory), std::move(log))) {}

LineServer::~LineServer() {
  for (const auto& p : impl_->unix_paths) ::unlink(p.c_str());
  impl_->pool.join();
}

bool LineServer::tls_available() const {
  return impl_->current_tls() != nullptr;
}

std::uint16_t LineServer::bound_port(std::size_t i) const {
  return i < impl_->ports.size() ? impl_->ports[i] : 0;
}

Result<bool> LineServer::listen(std::span<const Endpoint> endpoints) {
  using R = Result<bool>;
  Impl& m = *impl_;
  if (!m.options.tls_cert.empty() && !m.tls) {
    auto ctx = make_tls_context(m.options.tls_cert, m.options.tls_key, m.options);
    if (!ctx) return R::failure(ctx.error());
    m.tls = std::move(ctx.value());
  }
  for (const auto& ep : endpoints) {
    try {
      if (ep.kind == Endpoint::Kind::Tcp) {
        tcp::resolver res(m.io);
        auto results = res.resolve(ep.host, std::to_string(ep.port));
        if (results.empty()) return R::failure(ep.to_string() + ": cannot resolve");
        tcp::acceptor acc(m.io);
        const tcp::endpoint addr = *results.begin();
        acc.open(addr.protocol());
        acc.set_option(tcp::acceptor::reuse_address(true));
        acc.bind(addr);
        acc.listen(asio::socket_base::max_listen_connections);
        m.ports.push_back(acc.local_endpoint().port());
        m.tcp_acceptors.push_back(std::move(acc));
      } else {
        ::unlink(ep.path.c_str());  // a stale socket from an earlier run
        unix_sock::acceptor acc(m.io, unix_sock::endpoint(ep.path));
        ::chmod(ep.path.c_str(), 0666);  // access is controlled by the directory
        m.ports.push_back(0);
        m.unix_paths.push_back(ep.path);
        m.unix_acceptors.push_back(std::move(acc));
      }
    } catch (const std::system_error& e) {
      return R::failure(ep.to_string() + ": " + e.code().message());
    }
  }
  return true;
}

void LineServer::run(bool handle_signals) {
  Impl& m = *impl_;
  for (auto& a : m.tcp_acceptors) asio::co_spawn(m.io, m.accept_loop(a, true), asio::detached);
  for (auto& a : m.unix_acceptors) asio::co_spawn(m.io, m.accept_loop(a, false), asio::detached);
  std::optional<asio::signal_set> signals;
  if (handle_signals) {
    signals.emplace(m.io, SIGINT, SIGTERM);
    signals->async_wait([this](const std::error_code& ec, int sig) {
      if (!ec) {
        impl_->log("event=shutdown signal=" + std::to_string(sig));
        stop();
      }
    });
  }
  m.io.run();
}

Result<bool> LineServer::reload_tls(const std::string& cert, const std::string& key) {
  if (cert.empty()) return true;
  auto ctx = make_tls_context(cert, key, impl_->options);
  if (!ctx) return Result<bool>::failure(ctx.error());
  std::lock_guard lock(impl_->tls_mu);
  impl_->tls = std::move(ctx.value());
  return true;
}

void LineServer::drain(std::chrono::seconds timeout) {
  asio::post(impl_->io, [this, timeout] {
    for (auto& a : impl_->tcp_acceptors) {
      std::error_code ec;
      a.close(ec);
    }
    for (auto& a : impl_->unix_acceptors) {
      std::error_code ec;
      a.close(ec);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    asio::co_spawn(
        impl_->io,
        [this, deadline]() -> awaitable<void> {
          asio::steady_timer t(impl_->io);
          while (impl_->active > 0 && std::chrono::steady_clock::now() < deadline) {
            t.expires_after(std::chrono::milliseconds(100));
            co_await t.async_wait(use_awaitable);
          }
          if (impl_->active > 0)
            impl_->log("event=shutdown-timeout sessions=" + std::to_string(impl_->active));
          impl_->io.stop();
        },
        asio::detached);
  });
}

void LineServer::stop() {
  asio::post(impl_->io, [this] {
    for (auto& a : impl_->tcp_acceptors) {
      std::error_code ec;
      a.close(ec);
    }
    for (auto& a : impl_->unix_acceptors) {
      std::error_code ec;
      a.close(ec);
    }
    impl_->io.stop();
  });
}

}  // namespace zest::net
