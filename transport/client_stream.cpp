#include "transport/client_stream.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

#include "base/sigpipe_guard.hpp"

namespace zest::transport {
namespace {

std::string errno_text(int e) {
  if (e == EAGAIN || e == EWOULDBLOCK || e == ETIMEDOUT) return "timed out";
  return std::strerror(e);
}

bool is_ip_literal(const std::string& host) {
  in6_addr a;
  return ::inet_pton(AF_INET, host.c_str(), &a) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

// A non-blocking connect waited for with poll, so that an unreachable host
// costs the timeout and not the kernel's minutes.
Result<base::Fd> connect_one(const addrinfo& ai, long timeout_seconds) {
  using R = Result<base::Fd>;
  base::Fd fd(
      ::socket(ai.ai_family, ai.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai.ai_protocol));
  if (!fd.open()) return R::failure(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return R::failure(std::string("connect: ") + std::strerror(errno));
    pollfd p{fd.get(), POLLOUT, 0};
    int n;
    do n = ::poll(&p, 1, static_cast<int>(timeout_seconds * 1000));
    while (n < 0 && errno == EINTR);
    if (n == 0) return R::failure("connect: timed out");
    int err = 0;
    socklen_t len = sizeof err;
    if (n < 0)
      err = errno;
    else if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
      err = errno;
    if (err != 0) return R::failure("connect: " + errno_text(err));
  }
  // Blocking from here on, each read and write bounded by the timeout.
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  const timeval tv{timeout_seconds, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int one = 1;  // commands are small and answered one by one
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

Result<base::Fd> connect_tcp(const StreamOptions& o) {
  using R = Result<base::Fd>;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(o.host.c_str(), std::to_string(o.port).c_str(), &hints, &found);
      rc != 0)
    return R::failure(std::string("cannot resolve: ") + ::gai_strerror(rc));
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
  std::string last = "cannot resolve: no address";
  for (const addrinfo* ai = list.get(); ai; ai = ai->ai_next) {
    auto fd = connect_one(*ai, o.timeout_seconds);
    if (fd) return fd;
    last = fd.error();
  }
  return R::failure(std::move(last));
}

// The first queued OpenSSL error, and the queue emptied.
std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : "error " + std::to_string(e);
}

}  // namespace

Result<ClientStream> ClientStream::open(const StreamOptions& o) {
  using R = Result<ClientStream>;
  auto fd = connect_tcp(o);
  if (!fd) return R::failure(fd.error());
  ClientStream s(std::move(*fd));
  if (o.tls)
    if (auto started = s.start_tls(o); !started) return R::failure(started.error());
  return s;
}

Status ClientStream::start_tls(const StreamOptions& o) {
  ERR_clear_error();
  ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!ctx_) return Status::failure("TLS: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
  if (o.verify) {
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    const int loaded = o.ca_file.empty()
                           ? SSL_CTX_set_default_verify_paths(ctx_.get())
                           : SSL_CTX_load_verify_locations(ctx_.get(), o.ca_file.c_str(), nullptr);
    if (loaded != 1)
      return Status::failure("TLS: cannot load the CAs" +
                             (o.ca_file.empty() ? std::string() : " of " + o.ca_file) + ": " +
                             openssl_error());
  }
  ssl_.reset(SSL_new(ctx_.get()));
  if (!ssl_ || SSL_set_fd(ssl_.get(), fd_.get()) != 1)
    return Status::failure("TLS: " + openssl_error());
  // SNI carries names only; an address is checked against the certificate's
  // IP entries instead of its DNS names.
  const bool ip = is_ip_literal(o.host);
  if (!ip) SSL_set_tlsext_host_name(ssl_.get(), o.host.c_str());
  if (o.verify) {
    const int named = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), o.host.c_str())
                         : SSL_set1_host(ssl_.get(), o.host.c_str());
    if (named != 1) return Status::failure("TLS: cannot check the name " + o.host);
  }
  const base::SigpipeGuard guard;
  errno = 0;
  const int r = SSL_connect(ssl_.get());
  if (r == 1) return Status::success();
  if (const long v = SSL_get_verify_result(ssl_.get()); o.verify && v != X509_V_OK) {
    ERR_clear_error();
    return Status::failure(std::string("TLS: certificate verify failed: ") +
                           X509_verify_cert_error_string(v));
  }
  return Status::failure(tls_error(r));
}

std::string ClientStream::tls_error(int ret) const {
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_ZERO_RETURN:
      return "connection closed";
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:  // a blocking socket says so when SO_RCVTIMEO/SNDTIMEO ran out
      ERR_clear_error();
      return "timed out";
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() != 0) return "TLS: " + openssl_error();
      return saved_errno != 0 ? errno_text(saved_errno) : "connection closed";
    default:
      return "TLS: " + openssl_error();
  }
}

Status ClientStream::write_all(std::string_view data) {
  std::optional<base::SigpipeGuard> guard;  // OpenSSL writes with write(2), not MSG_NOSIGNAL
  if (ssl_) guard.emplace();
  while (!data.empty()) {
    const std::size_t chunk = std::min<std::size_t>(data.size(), INT_MAX);
    std::size_t sent = 0;
    if (ssl_) {
      ERR_clear_error();
      errno = 0;
      const int r = SSL_write(ssl_.get(), data.data(), static_cast<int>(chunk));
      if (r <= 0) return Status::failure(tls_error(r));
      sent = static_cast<std::size_t>(r);
    } else {
      const ssize_t n = ::send(fd_.get(), data.data(), chunk, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::failure(errno_text(errno));
      sent = static_cast<std::size_t>(n);
    }
    data.remove_prefix(sent);
  }
  return Status::success();
}

Result<std::size_t> ClientStream::read_some(std::span<char> buf) {
  using R = Result<std::size_t>;
  const int want = static_cast<int>(std::min<std::size_t>(buf.size(), INT_MAX));
  if (ssl_) {
    const base::SigpipeGuard guard;  // a TLS 1.3 key update may write while reading
    ERR_clear_error();
    errno = 0;
    const int r = SSL_read(ssl_.get(), buf.data(), want);
    if (r > 0) return static_cast<std::size_t>(r);
    if (SSL_get_error(ssl_.get(), r) == SSL_ERROR_ZERO_RETURN) return std::size_t{0};
    return R::failure(tls_error(r));
  }
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), buf.data(), static_cast<std::size_t>(want), 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return R::failure(errno_text(errno));
  }
}

}  // namespace zest::transport
