// The mailto notification method (RFC 5436) over RFC 6068 mailto URIs.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "methods/method.hpp"

namespace zest::methods {

struct MailtoUri {
  std::vector<Recipient> recipients;  // to-part and to= as "to", cc= as "cc"; no duplicates
  std::vector<Header> headers;        // other header fields to copy, URI order
  std::optional<std::string> subject;
  std::optional<std::string> body;
  std::vector<std::string> warnings;  // ignored header fields and the like
};

// Parses and checks a mailto URI: percent-decoding, several recipients,
// header fields (CR/LF only allowed in body=), addresses.
Result<MailtoUri> parse_mailto(std::string_view uri, std::size_t max_recipients = 8,
                               std::size_t max_headers = 16);

// RFC 5321 Mailbox / RFC 5322 addr-spec check for :from (an optional
// "phrase <addr>" form is accepted); the bare address or nullopt.
std::optional<std::string> mailto_from_address(std::string_view from);

// The notification message and envelope (RFC 5436 §2.7), recipients in
// `exclude` removed. nullopt payload when no recipient is left.
Result<MailPayload> build_mailto(const MailtoUri& uri, const NotifyRequest& req,
                                 const Trigger& trigger, const Policy& policy,
                                 std::span<const std::string> exclude);

std::unique_ptr<Method> make_mailto_method();

}  // namespace zest::methods
