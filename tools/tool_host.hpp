// What sieve-test and sieve-filter share about the world a script runs in:
// a host that answers from a Maildir (mailboxexists), fixed environment
// items and the [sieve.lists] of -c (extlists), and the envelope addresses a message's header
// suggests.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "interp/host.hpp"
#include "mail/message.hpp"
#include "store/maildir.hpp"
#include "transport/ext_lists.hpp"

namespace zest::tools {

class ToolHost : public interp::Host {
 public:
  // `program` prefixes the log lines on standard error ("sieve-test: ").
  ToolHost(const store::Maildir* maildir, std::string program, transport::ExtListSources lists = {})
      : maildir_(maildir), program_(std::move(program)), lists_(std::move(lists)) {}
  bool mailbox_exists(std::string_view mailbox) override;
  std::optional<std::string> environment(std::string_view name) override;
  void log(interp::LogLevel level, std::string_view message) override;
  Result<bool> ext_list_contains(std::string_view list, std::string_view value) override {
    return lists_.contains(list, value);
  }
  Result<std::vector<std::string>> ext_list_members(std::string_view list) override {
    return lists_.members(list);
  }
  // vnd.dovecot.filter / execute: sieve-test runs their programs while the
  // script runs, as Pigeonhole's sieve-test does (with and without -e).
  using ProgramRunner = std::function<interp::ProgramResult(const interp::ProgramCall&)>;
  void set_program_runner(ProgramRunner run) { run_program_ = std::move(run); }
  interp::ProgramResult run_external(const interp::ProgramCall& call) override {
    return run_program_ ? run_program_(call) : interp::Host::run_external(call);
  }

 private:
  const store::Maildir* maildir_;
  std::string program_;
  transport::ExtLists lists_;
  ProgramRunner run_program_;
};

// The first address of the first of `names` that has one, else `fallback`.
std::string first_address(const mail::Message& m, std::initializer_list<const char*> names,
                          std::string fallback);

}  // namespace zest::tools
