// Runs one program directly (posix_spawn with an argv, never a shell) in a
// process group of its own, feeds it its standard input and collects its
// standard output and error at the same time (one poll over the three
// pipes, so a program that does not read cannot block us), with a time
// limit and an output limit. Used by the extprograms extensions
// (delivery/ext_programs.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zest::base {

struct ProcessSpec {
  std::string path;                       // the executable, run as is (no PATH search)
  std::vector<std::string> argv;          // argv[0] first
  std::vector<std::string> env;           // the whole environment, "NAME=value"
  std::optional<std::string_view> input;  // nullopt: standard input is /dev/null
  std::chrono::milliseconds timeout{0};   // 0: no limit
  bool keep_output = false;               // false: standard output is read and dropped
  std::size_t max_output = 0;             // with keep_output: more is an error (0: no limit)
  std::size_t max_errors = 4096;          // bytes of standard error kept (the rest is dropped)
};

struct ProcessResult {
  enum class End {
    Exited,          // `code` is the exit status
    Signaled,        // `code` is the signal
    TimedOut,        // killed (the whole process group) at the time limit
    OutputTooLarge,  // killed (the whole process group) past max_output
    SpawnFailed,     // never started; `spawn_error` says why
  };
  End end = End::SpawnFailed;
  int code = 0;
  // False when the program closed its standard input (or ended) before it
  // had read all of `input`.
  bool input_complete = true;
  std::string output;
  std::string errors;  // standard error, at most max_errors bytes
  std::string spawn_error;

  bool succeeded() const { return end == End::Exited && code == 0 && input_complete; }
};

ProcessResult run_process(const ProcessSpec& spec);

}  // namespace zest::base
