// The memory limit of one run: `[sieve] max_memory`. It counts the bytes
// of the strings a script makes the run hold: variable values, match
// values, and the expanded argument strings of the instruction being run.
// (What the message itself costs, its MIME view and decoded parts, is
// bounded by its size; see mail/message.hpp.) When the count passes the
// limit the VM stops the run with a run-time error and the implicit keep,
// as for max_cpu_time; expansion stops producing strings at once, so the
// bytes actually allocated never go far past the limit.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace zest::interp {

class MemoryBudget {
 public:
  // A zero limit means unlimited.
  explicit MemoryBudget(std::size_t limit) : limit_(limit) {}

  // A held value (a variable, the match values) changed size.
  void hold(std::size_t old_size, std::size_t new_size) {
    held_ = held_ - std::min(held_, old_size) + new_size;
    check();
  }
  // Bytes built for the current instruction; false once over the limit.
  bool use(std::size_t bytes) {
    transient_ += bytes;
    check();
    return !exceeded_;
  }
  // The instruction is done: its argument strings are gone.
  void end_instruction() { transient_ = 0; }

  bool exceeded() const { return exceeded_; }
  std::size_t limit() const { return limit_; }
  std::size_t peak() const { return peak_; }
  // The run-time error of a run stopped by this limit.
  std::string exceeded_message() const;

 private:
  void check() {
    const std::size_t now = held_ + transient_;
    if (now > peak_) peak_ = now;
    if (limit_ != 0 && now > limit_) exceeded_ = true;
  }
  std::size_t limit_;
  std::size_t held_ = 0;
  std::size_t transient_ = 0;
  std::size_t peak_ = 0;
  bool exceeded_ = false;
};

// "33554432", "512k", "32M", "1G" (also "32MiB", "32MB"; binary units, as
// Pigeonhole's size settings). nullopt for anything else.
std::optional<std::size_t> parse_memory_size(std::string_view text);

}  // namespace zest::interp
