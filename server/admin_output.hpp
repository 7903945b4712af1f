// What the administration commands (`zest sieve|quota|auth|user show`)
// print: a line of text for people, or one JSON object for scripts
// (--json), and the exit codes they return (docs/zestd.md "Exit codes",
// `zest --help`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/script_store.hpp"

namespace zest::server::admin {

// sysexits(3) values, as doveadm uses them.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;     // auth test: wrong password
inline constexpr int kUsage = 64;     // bad arguments or script name
inline constexpr int kDataErr = 65;   // the script does not compile, or is empty; a
                                      // syntax error in the Dovecot configuration
inline constexpr int kNoInput = 66;   // the script file (or a Dovecot file) cannot be read
inline constexpr int kNoUser = 67;    // no such user
inline constexpr int kNotFound = 68;  // no such script (doveadm's "not found")
inline constexpr int kSoftware = 70;  // migrate-config: an internal error
inline constexpr int kRefused = 73;   // name exists, script active, quota
inline constexpr int kTempFail = 75;  // I/O or lookup failure: try again
inline constexpr int kNoPerm = 77;    // cannot switch to the service user
inline constexpr int kConfig = 78;    // the configuration does not load

// The table `zest --help` ends with.
std::string exit_codes_help();

// The exit code for a refusal of the script store.
int exit_code_of(store::ScriptErrorCode code);

// One JSON object, built in order.
class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value);
  JsonObject& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  JsonObject& add(std::string_view key, std::uint64_t value);
  JsonObject& add(std::string_view key, bool value);
  JsonObject& add_raw(std::string_view key, std::string_view json);
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_;
};

// A JSON array of already-formatted values.
std::string json_array(const std::vector<std::string>& items);

// Prints `obj` (JSON mode) or `text` (when not empty) on standard output.
void print(bool json, const JsonObject& obj, std::string_view text);

// A failure: the message on standard error ("zest: ..."), and in JSON
// mode {"ok":false,"error":...,"code":...,"exit":N} on standard output.
int fail(bool json, int exit_code, std::string_view message, std::string_view code = "");

}  // namespace zest::server::admin
