// The error of a Maildir or store operation: invalid input, I/O, or a
// folder lock that could not be had in time (Locked: try again later).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace zest::store {

enum class StoreErrorKind { Invalid, Io, Locked };
struct StoreError {
  StoreErrorKind kind;
  std::string message;
};
// An I/O failure: "<p>: <what>: <strerror(err)>".
StoreError io_error(const std::filesystem::path& p, std::string_view what, int err);

}  // namespace zest::store
