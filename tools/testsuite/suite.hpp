// The vnd.dovecot.testsuite extension and the state of one .svtest run
// (TESTSUITE_SPEC.md §4). Only sieve-testsuite registers it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/executor.hpp"
#include "grammar/diagnostics.hpp"
#include "interp/host.hpp"
#include "interp/program.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "interp/settings.hpp"
#include "tools/testsuite/mail_sim.hpp"
#include "transport/ext_lists.hpp"

namespace zest::mail {
class Message;
}

namespace zest::testsuite {

struct LogEntry {
  interp::LogLevel level;
  std::string text;
};

struct Options {
  bool expect_failure = false;            // -F
  bool echo_log = false;                  // -E
  std::optional<std::string> extensions;  // -x
};

class Suite final : public interp::Host {
 public:
  // `registry` must outlive the suite; register_extension() adds the
  // testsuite commands to it.
  Suite(interp::Registry& registry, std::string svtest_path, Options options);
  ~Suite() override;

  // Compiles and runs the file; prints the report; returns the exit status.
  int run();

  // interp::Host
  bool mailbox_exists(std::string_view mailbox) override;
  std::optional<std::string> mailbox_metadata(std::string_view mailbox,
                                              std::string_view entry) override;
  std::optional<std::string> server_metadata(std::string_view entry) override;
  std::optional<std::string> environment(std::string_view name) override;
  bool duplicate_exists(std::string_view id) override { return mail_.duplicate_seen(id); }
  std::optional<std::string> include_source(std::string_view name, bool global) override;
  Result<bool> ext_list_contains(std::string_view list, std::string_view value) override {
    return lists_->contains(list, value);
  }
  Result<std::vector<std::string>> ext_list_members(std::string_view list) override {
    return lists_->members(list);
  }
  void log(interp::LogLevel level, std::string_view message) override;
  // extprograms: programs from `sieve_<kind>_bin_dir` as test_config_set says.
  interp::ProgramResult run_external(const interp::ProgramCall& call) override;

  // The error log that test_error reads.
  const std::vector<LogEntry>& log_entries() const { return log_; }
  std::vector<std::string> errors() const;
  MailSimulation& mail() { return mail_; }

 private:
  friend struct Commands;

  void register_extension();
  void reload_settings();
  void set_message(std::string raw, bool derive_envelope);
  const mail::Message& message() const { return *messages_.back(); }
  void clear_log() { log_.clear(); }
  void reset_result();
  std::string resolve(std::string_view relative) const;
  std::shared_ptr<interp::Program> compile_file(const std::string& path);
  bool run_program(const interp::Program& program, bool append);
  delivery::ExecutionStatus execute(bool commit);

  // Test bookkeeping.
  void begin_test(std::string name);
  void end_test();
  void fail_test(std::string_view reason);

  interp::Registry& registry_;
  std::string path_;
  std::string dir_;  // of the .svtest, with a trailing '/'
  Options options_;

  std::map<std::string, std::string, std::less<>> overlay_;  // test_config_set
  interp::EngineSettings settings_;
  methods::MethodRegistry notify_methods_;                // of settings_, rebuilt when they are
  std::unique_ptr<transport::ExtLists> lists_;            // of settings_.ext_lists, likewise
  std::vector<std::unique_ptr<mail::Message>> messages_;  // older ones stay alive
  interp::Envelope envelope_;
  std::unique_ptr<interp::ResultState> result_;
  delivery::ExecutionState exec_;
  std::shared_ptr<interp::Program> slot_;  // the compiled sub-script
  std::map<std::string, std::vector<std::uint8_t>, std::less<>> binaries_;
  std::vector<LogEntry> log_;
  MailSimulation mail_;

  int tests_ = 0;
  int failures_ = 0;
  bool in_test_ = false;
  std::string test_name_;
  int subscript_depth_ = 0;
  bool subscript_failed_test_ = false;
  std::string os_user_;
};

}  // namespace zest::testsuite
