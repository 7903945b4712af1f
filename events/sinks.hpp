// The two kinds of sink: an HTTPS webhook (one CloudEvents JSON document
// per POST, Standard Webhooks signature) and a Redis stream (XADD,
// idempotent on the event id). docs/events.md describes both wire formats.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "events/sender.hpp"

namespace zest::events {

struct SinkOptions {
  std::string name;
  std::string type;  // "webhook" or "redis"
  std::string url;
  std::string secret;      // whsec_<base64> (webhook); the password (redis)
  std::string ca_file;     // PEM CAs to trust (webhook, rediss://)
  bool tls_verify = true;  // rediss://: check the certificate (webhooks always do)
  std::vector<std::string> fields_denied;
  std::string source;  // CloudEvents source
  long timeout_seconds = 10;
  std::size_t max_parallel = 16;       // user streams in flight at once (webhook)
  std::string stream = "zest:events";  // redis key
};

// Checks the options (URL, secret) and makes the transport.
Result<std::unique_ptr<SinkTransport>> make_webhook_transport(const SinkOptions& o);
Result<std::unique_ptr<SinkTransport>> make_redis_transport(const SinkOptions& o);

}  // namespace zest::events
