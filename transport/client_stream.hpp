// A blocking client connection: TCP to host:port (IPv4 or IPv6) within a
// timeout, optionally TLS over it (OpenSSL; the certificate chain and the
// host name are checked unless told not to). Each read and write times out
// after the same timeout. The Redis client talks through it; libcurl and
// libstrophe bring their own.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace zest::transport {

struct StreamOptions {
  std::string host;
  int port = 0;
  long timeout_seconds = 5;  // connect, handshake, each read and write
  bool tls = false;
  std::string ca_file;  // PEM CAs to trust ("" = the system's)
  bool verify = true;   // check the certificate chain and that it names host
};

class ClientStream {
 public:
  // Errors read "connect: Connection refused", "TLS: certificate verify
  // failed: ...": the caller adds which server it was.
  static Result<ClientStream> open(const StreamOptions& o);
  ClientStream(ClientStream&&) = default;
  ClientStream& operator=(ClientStream&&) = default;

  Status write_all(std::string_view data);
  // Some bytes into `buf`; 0 when the peer closed the connection.
  Result<std::size_t> read_some(std::span<char> buf);

 private:
  struct FreeCtx {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  struct FreeSsl {
    void operator()(SSL* s) const { SSL_free(s); }
  };

  explicit ClientStream(base::Fd fd) : fd_(std::move(fd)) {}
  Status start_tls(const StreamOptions& o);
  std::string tls_error(int ret) const;

  base::Fd fd_;
  std::unique_ptr<SSL_CTX, FreeCtx> ctx_;
  std::unique_ptr<SSL, FreeSsl> ssl_;  // after ctx_: freed first
};

}  // namespace zest::transport
