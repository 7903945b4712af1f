// What the interpreter asks of its host during one delivery, answered from
// the user's home: Maildir folders, duplicate ids, personal and global
// scripts for include, the environment, the script's own log.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "interp/actions.hpp"
#include "interp/host.hpp"
#include "interp/settings.hpp"
#include "store/duplicate_store.hpp"
#include "store/script_cache.hpp"
#include "transport/ext_lists.hpp"

namespace zest::delivery {

struct MaildirHostOptions {
  std::string hostname;                    // environment "domain" and "host"
  char hierarchy_separator = '/';          // of mailbox names in scripts
  std::filesystem::path sieve_global_dir;  // include :global scripts ("" = none)
  // vnd.dovecot.filter / execute: the [sieve] settings and the user the
  // programs run for (null settings: no external programs).
  const interp::EngineSettings* settings = nullptr;
  std::string user{};
  // The user's duplicate ids ([state] backend); null = the file in the home.
  std::shared_ptr<store::DuplicateStore> duplicates{};
};

class MaildirHost final : public interp::Host {
 public:
  // `log` receives "event=script-log message=…" lines.
  MaildirHost(const store::SieveHome& home, MaildirHostOptions options,
              std::function<void(std::string_view)> log)
      : home_(home),
        maildir_(home.maildir()),
        o_(std::move(options)),
        log_(std::move(log)),
        lists_(o_.settings ? o_.settings->ext_lists : transport::ExtListSources{}) {
    if (!o_.duplicates)
      o_.duplicates = std::make_shared<store::FileDuplicateStore>(home.duplicates_file());
  }
  // Ids the duplicate test claimed and nobody marked are released, so the
  // client's retry is not taken for a duplicate.
  ~MaildirHost() override;
  MaildirHost(const MaildirHost&) = delete;
  MaildirHost& operator=(const MaildirHost&) = delete;

  bool mailbox_exists(std::string_view mailbox) override;
  std::optional<std::string> environment(std::string_view name) override;
  // RFC 7352 across concurrent deliveries: an id not seen before is
  // claimed at once, so a copy arriving at the same moment is a duplicate.
  // Ids claimed in this delivery are not duplicates of themselves. An id
  // the store could not answer for is a duplicate (nothing acts on it) and
  // sets state_failure(): the delivery must then fail temporarily.
  bool duplicate_exists(std::string_view id) override;
  const std::string& state_failure() const { return state_failure_; }
  // Releases that failed in settle_claims() (the claims expire after their hold).
  std::vector<std::string> take_state_errors() { return std::exchange(state_errors_, {}); }
  // After the delivery: claims the carried-out result marked for their
  // periods (`marked`) stay; the others are released.
  void settle_claims(std::span<const interp::DuplicateMark> marked);
  std::optional<std::string> include_source(std::string_view name, bool global) override;
  void log(interp::LogLevel level, std::string_view message) override;
  Result<bool> ext_list_contains(std::string_view list, std::string_view value) override {
    return lists_.contains(list, value);
  }
  Result<std::vector<std::string>> ext_list_members(std::string_view list) override {
    return lists_.members(list);
  }
  interp::ProgramResult run_external(const interp::ProgramCall& call) override;

 private:
  const store::SieveHome& home_;
  std::filesystem::path maildir_;
  MaildirHostOptions o_;
  std::function<void(std::string_view)> log_;
  std::vector<std::string> claims_;
  std::string state_failure_;
  std::vector<std::string> state_errors_;
  transport::ExtLists lists_;
};

}  // namespace zest::delivery
