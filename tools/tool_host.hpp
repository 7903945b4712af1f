// What sieve-test and sieve-filter share about the world a script runs in:
// a host that answers from a Maildir (mailboxexists) and fixed environment
// items, and the envelope addresses a message's header suggests.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "interp/host.hpp"
#include "mail/message.hpp"
#include "store/maildir.hpp"

namespace zest::tools {

class ToolHost : public interp::Host {
 public:
  // `program` prefixes the log lines on standard error ("sieve-test: ").
  ToolHost(const store::Maildir* maildir, std::string program)
      : maildir_(maildir), program_(std::move(program)) {}
  bool mailbox_exists(std::string_view mailbox) override;
  std::optional<std::string> environment(std::string_view name) override;
  void log(interp::LogLevel level, std::string_view message) override;

 private:
  const store::Maildir* maildir_;
  std::string program_;
};

// The first address of the first of `names` that has one, else `fallback`.
std::string first_address(const mail::Message& m, std::initializer_list<const char*> names,
                          std::string fallback);

}  // namespace zest::tools
