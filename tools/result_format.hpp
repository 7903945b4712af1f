// The two renderings of a script run: Pigeonhole-compatible text and the
// canonical JSON of ../shared/design/sieve-test-json.md.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "interp/vm.hpp"

namespace zest::tools {

enum class RunStatus { Ok, RuntimeError, CompileError };

// `default_mailbox` is where keep and the implicit keep store (sieve-test
// -m, sieve-filter's default mailbox). Empty means INBOX and the document
// is exactly the shared schema; otherwise each keep object gets a
// "mailbox" field and the top level a "default_mailbox" field.
std::string format_json(RunStatus status, const interp::RunOutput& out,
                        const std::vector<std::string>& errors,
                        const std::string& default_mailbox = {});
nlohmann::ordered_json json_result(RunStatus status, const interp::RunOutput& out,
                                   const std::vector<std::string>& errors,
                                   const std::string& default_mailbox = {});
std::string format_text(const interp::RunOutput& out, const std::string& default_mailbox = {});

}  // namespace zest::tools
