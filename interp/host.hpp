// What the interpreter may ask of its host. The VM does no I/O itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace zest::interp {

// The SMTP envelope of the message being delivered to one recipient.
// Addresses are without angle brackets; an empty `from` is the null sender.
struct Envelope {
  std::string from;
  std::string to;
  std::string orig_to;
  std::string auth;
};

enum class LogLevel { Debug, Info, Warning, Error };

// vnd.dovecot.pipe / filter / execute: one run of an external program from
// the directory the host configures for that kind (`[sieve] pipe_bin_dir`,
// ...). The host resolves the name, runs the program and applies the time
// and output limits (delivery/ext_programs.hpp).
enum class ProgramKind { Pipe, Filter, Execute };
std::string_view program_kind_name(ProgramKind kind);  // "pipe", "filter", "execute"

struct ProgramCall {
  ProgramKind kind = ProgramKind::Execute;
  std::string name;  // a checked program name: no '/', no control characters
  std::vector<std::string> args;
  std::optional<std::string> input;  // nullopt: the program gets no input
  bool want_output = false;
  const Envelope* envelope = nullptr;  // SENDER, RECIPIENT, ORIG_RECIPIENT
};

struct ProgramResult {
  enum class Status {
    Ok,        // exit status 0, all input read
    False,     // ran, but exited non-zero (Pigeonhole: "indicated false result")
    NotFound,  // no such program in the directory, or none configured
    Failed,    // could not run, timed out, too much output, did not read its input
  };
  Status status = Status::NotFound;
  std::string output;  // with want_output
  std::string detail;  // why, for the log (False, NotFound, Failed)
};

class Host {
 public:
  virtual ~Host() = default;
  virtual bool mailbox_exists(std::string_view /*mailbox*/) { return true; }
  // Environment items (RFC 5183) the host defines; nullopt = unknown.
  virtual std::optional<std::string> environment(std::string_view /*name*/) { return {}; }
  virtual void log(LogLevel /*level*/, std::string_view /*message*/) {}
  // RFC 8579: whether `mailbox` (or, without one, any mailbox) carries the
  // special-use attribute `flag` ("\\Junk").
  virtual bool special_use_exists(std::optional<std::string_view> /*mailbox*/,
                                  std::string_view /*flag*/) {
    return false;
  }
  // RFC 5490: the value of a mailbox annotation (RFC 5464 entry name such as
  // "/private/comment") or of a server annotation; nullopt = not set.
  virtual std::optional<std::string> mailbox_metadata(std::string_view /*mailbox*/,
                                                      std::string_view /*entry*/) {
    return {};
  }
  virtual std::optional<std::string> server_metadata(std::string_view /*entry*/) { return {}; }
  // RFC 7352 duplicate tracking: whether `id` was recorded (by a delivery
  // whose result was executed) and has not expired. Recording happens when
  // the result is executed (delivery::DeliveryBackend::duplicate_mark).
  virtual bool duplicate_exists(std::string_view /*id*/) { return false; }
  // RFC 9042: whether a mailbox with this object id exists.
  virtual bool mailboxid_exists(std::string_view /*id*/) { return false; }
  // RFC 6609 include: the source of the personal (or, with `global`, the
  // global) script `name`; nullopt when there is no such script.
  virtual std::optional<std::string> include_source(std::string_view /*name*/, bool /*global*/) {
    return {};
  }
  // RFC 6134 external lists (the extlists extension). `list` is a name that
  // EngineSettings::ext_lists defines (normalized, see interp/ext_list_name.hpp).
  // A failure is a lookup that could not be done (file unreadable, Redis down).
  virtual Result<bool> ext_list_contains(std::string_view /*list*/, std::string_view /*value*/) {
    return false;
  }
  virtual Result<std::vector<std::string>> ext_list_members(std::string_view /*list*/) {
    return std::vector<std::string>{};
  }
  // vnd.dovecot.filter and vnd.dovecot.execute run their program while the
  // script runs (vnd.dovecot.pipe runs when the result is carried out).
  virtual ProgramResult run_external(const ProgramCall& /*call*/) {
    return {ProgramResult::Status::NotFound, {}, "external programs are not available here"};
  }
};

}  // namespace zest::interp
