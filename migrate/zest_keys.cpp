#include "migrate/zest_keys.hpp"

#include <algorithm>
#include <array>

namespace zest::migrate {
namespace {

// [sieve] keys zest reads (docs/configuration.md "[sieve]" and the
// settings the extensions and delivery look up).
constexpr std::array<std::string_view, 45> kSieveKeys = {
    "max_actions",
    "max_redirects",
    "max_script_size",
    "max_instructions",
    "max_cpu_time",
    "max_memory",
    "max_variable_size",
    "max_nesting",
    "extensions",
    "global_extensions",
    "trace_dir",
    "trace_level",
    "trace_debug",
    "trace_addresses",
    "pipe_bin_dir",
    "filter_bin_dir",
    "execute_bin_dir",
    "pipe_exec_timeout",
    "filter_exec_timeout",
    "execute_exec_timeout",
    "pipe_input_eol",
    "filter_input_eol",
    "execute_input_eol",
    "filter_max_output",
    "execute_max_output",
    "variables_max_variable_size",
    "include_max_nesting_depth",
    "include_max_includes",
    "duplicate_default_period",
    "duplicate_max_period",
    "editheader_max_header_size",
    "editheader_protected",
    "editheader_forbid_add",
    "editheader_forbid_delete",
    "vacation_min_period",
    "vacation_max_period",
    "vacation_default_period",
    "vacation_default_subject",
    "vacation_default_subject_template",
    "vacation_max_subject_codepoints",
    "vacation_use_original_recipient",
    "vacation_dont_check_recipient",
    "vacation_send_from_recipient",
    "vacation_to_header_ignore_envelope",
    "redirect_envelope_from",
};
constexpr std::array<std::string_view, 4> kSievePrefixes = {"spamtest_", "virustest_", "env_",
                                                            "user_email"};

}  // namespace

bool zest_has_key(std::string_view table, std::string_view key) {
  if (table == "sieve") {
    if (std::find(kSieveKeys.begin(), kSieveKeys.end(), key) != kSieveKeys.end()) return true;
    return std::any_of(kSievePrefixes.begin(), kSievePrefixes.end(), [&](std::string_view p) {
      return key.starts_with(p) && (p.back() == '_' ? key.size() > p.size() : key == p);
    });
  }
#define ZEST_KEY(t, k, member, kind, def, def_doc, doc) \
  if (table == t && key == k) return true;
#include "config/config_keys.def"
  return false;
}

}  // namespace zest::migrate
