// A run trace written during delivery, as Pigeonhole's sieve_trace_dir /
// sieve_trace_level: [sieve] trace_dir (relative to the user's home, "~/"
// too) names a directory; when it exists, each delivery to that user writes
// one file there, <YYYYMMDD-HHMMSS>.<pid>.<session>.trace. A missing
// directory means no trace, so a user (or admin) turns tracing on and off by
// creating and removing it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "interp/runtime.hpp"
#include "interp/settings.hpp"

namespace zest::delivery {

class FileTrace : public interp::TraceSink {
 public:
  // nullptr when tracing is off ([sieve] trace_dir or trace_level unset,
  // the directory absent) or the file cannot be created (`error` says why).
  static std::unique_ptr<FileTrace> open(const interp::EngineSettings& settings,
                                         const std::filesystem::path& home,
                                         std::string_view session, std::string& error);
  FileTrace(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}  // owns fd
  ~FileTrace() override;
  FileTrace(const FileTrace&) = delete;
  FileTrace& operator=(const FileTrace&) = delete;

  void trace(std::string_view line) override;
  const std::filesystem::path& path() const { return path_; }

 private:
  void flush();

  int fd_;
  std::filesystem::path path_;
  std::string buffer_;
  std::size_t written_ = 0;
  bool truncated_ = false;
};

// "actions", "commands", "tests", "matching" -> 1..4; "none" or "" -> 0;
// anything else -1.
int trace_level_of(std::string_view name);

}  // namespace zest::delivery
