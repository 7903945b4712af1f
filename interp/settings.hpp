// Engine settings: limits and extension settings. Names follow Pigeonhole's
// setting names without the "sieve_" prefix so configurations map one to one.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace zest::interp {

struct EngineSettings {
  std::size_t max_actions = 32;
  std::size_t max_redirects = 4;
  std::size_t max_script_size = 1 << 20;
  std::size_t max_nesting = 32;                // blocks and test lists
  std::uint64_t max_instructions = 5'000'000;  // per run; 0 = unlimited
  // CPU time of one run (see interp/cpu_budget.hpp); 0 = unlimited.
  std::chrono::milliseconds max_cpu_time{30'000};
  std::size_t max_errors = 32;
  // Bytes of strings one run may hold (see interp/memory_budget.hpp);
  // 0 = unlimited.
  std::size_t max_memory = std::size_t{32} << 20;
  // Enabled capabilities; nullopt means every registered extension.
  std::optional<std::set<std::string, std::less<>>> extensions;
  // Extension settings by Pigeonhole name without prefix
  // ("spamtest_status_header", "variables_max_variable_size", ...).
  std::map<std::string, std::string, std::less<>> values;
  // Pigeonhole's sieve_global_extensions ([sieve] global_extensions):
  // enabled, but only for the administrator's scripts (sieve_before/after,
  // sieve-test, sieve-filter); a personal script (see `personal`) that
  // requires one does not compile.
  std::set<std::string, std::less<>> global_extensions;
  // Set on the copy of the settings a user's own script is compiled with
  // (ManageSieve, `zest sieve put`, the personal script of a delivery).
  bool personal = false;
  // RFC 6134 external lists ([sieve.lists]): normalized list name
  // (interp/ext_list_name.hpp) -> source ("file:PATH", "dict:PATH",
  // "redis:URL#KEY", "" for an empty list); the host looks them up.
  std::map<std::string, std::string, std::less<>> ext_lists;

  // Without an `extensions` list every extension is enabled except
  // vnd.dovecot.pipe/filter/execute, which need their program directory
  // (`pipe_bin_dir`, `filter_bin_dir`, `execute_bin_dir`) to be set.
  bool extension_enabled(std::string_view name) const {
    if (global_extensions.count(name) > 0) return true;
    if (extensions) return extensions->count(name) > 0;
    for (std::string_view kind : {"pipe", "filter", "execute"})
      if (name.size() == 12 + kind.size() && name.substr(0, 12) == "vnd.dovecot." &&
          name.substr(12) == kind)
        return !value(std::string(kind) + "_bin_dir").empty();
    return true;
  }
  // Enabled for global scripts only (Pigeonhole: "its use is restricted
  // to global scripts").
  bool restricted_to_global(std::string_view name) const {
    return global_extensions.count(name) > 0;
  }
  // A copy for compiling a user's own script.
  EngineSettings for_personal_script() const {
    EngineSettings copy = *this;
    copy.personal = true;
    return copy;
  }
  std::string value(std::string_view key, std::string_view fallback = {}) const {
    auto it = values.find(key);
    return it == values.end() ? std::string(fallback) : it->second;
  }
};

}  // namespace zest::interp
