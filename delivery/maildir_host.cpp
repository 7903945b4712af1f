#include "delivery/maildir_host.hpp"

#include <algorithm>

#include "base/file.hpp"
#include "base/logfmt.hpp"
#include "delivery/ext_programs.hpp"
#include "store/maildir_tx.hpp"
#include "store/script_store.hpp"

namespace zest::delivery {
namespace fs = std::filesystem;

bool MaildirHost::mailbox_exists(std::string_view mailbox) {
  auto dir = store::maildir_folder(maildir_, mailbox, o_.hierarchy_separator);
  return dir && (*dir == maildir_ || store::maildir_exists(*dir));
}

std::optional<std::string> MaildirHost::environment(std::string_view name) {
  if (name == "name") return "zest";
  if (name == "version") return "0.1.0";
  if (name == "location") return "MDA";
  if (name == "phase") return "during";
  if (name == "domain" || name == "host") return o_.hostname;
  return std::nullopt;
}

bool MaildirHost::duplicate_exists(std::string_view id) {
  if (std::find(claims_.begin(), claims_.end(), id) != claims_.end()) return false;
  auto claimed = o_.duplicates->claim(id, store::kDuplicateClaimHold);
  if (!claimed) {
    if (state_failure_.empty()) state_failure_ = claimed.error();
    return true;
  }
  if (!*claimed) return true;
  claims_.emplace_back(id);
  return false;
}

void MaildirHost::settle_claims(std::span<const interp::DuplicateMark> marked) {
  for (const auto& id : claims_)
    if (std::none_of(marked.begin(), marked.end(), [&](const auto& m) { return m.id == id; }))
      if (auto s = o_.duplicates->release(id); !s) state_errors_.push_back(s.error());
  claims_.clear();
}

MaildirHost::~MaildirHost() {
  settle_claims({});
}

// RFC 6609: personal scripts are the user's ManageSieve scripts (the same
// file names as store::FsScriptStore), global ones `<sieve_global_dir>/<name>.sieve`.
std::optional<std::string> MaildirHost::include_source(std::string_view name, bool global) {
  if (global && o_.sieve_global_dir.empty()) return std::nullopt;
  const fs::path dir = global ? o_.sieve_global_dir : home_.script_dir();
  return base::read_file(dir / (store::script_file_stem(name) + ".sieve"));
}

interp::ProgramResult MaildirHost::run_external(const interp::ProgramCall& call) {
  if (!o_.settings) return interp::Host::run_external(call);
  return run_ext_program(*o_.settings, {o_.user, home_.home.string(), o_.hostname}, call,
                         [this](std::string_view line) { log(interp::LogLevel::Info, line); });
}

void MaildirHost::log(interp::LogLevel level, std::string_view message) {
  if (level == interp::LogLevel::Debug) return;
  log_("event=script-log " + base::log_field("message", message));
}

}  // namespace zest::delivery
