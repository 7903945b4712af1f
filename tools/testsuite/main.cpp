// sieve-testsuite: runs Pigeonhole-style .svtest files (the
// vnd.dovecot.testsuite language, see TESTSUITE_SPEC.md).
//   sieve-testsuite [-F] [-E] [-x EXTENSIONS] FILE.svtest...
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "interp/registry.hpp"
#include "tools/testsuite/suite.hpp"

namespace {

int usage() {
  fmt::print(stderr, "usage: sieve-testsuite [-F] [-E] [-x EXTENSIONS] FILE.svtest...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  zest::testsuite::Options options;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-F") {
      options.expect_failure = true;
    } else if (arg == "-E") {
      options.echo_log = true;
    } else if (arg == "-x") {
      if (++i >= argc) return usage();
      options.extensions = argv[i];
    } else if (arg == "-h" || arg == "--help") {
      usage();
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage();
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) return usage();
  int status = 0;
  for (const auto& file : files) {
    // Each file gets its own registry and state, as separate processes would.
    zest::interp::Registry registry;
    zest::testsuite::Suite suite(registry, file, options);
    if (suite.run() != 0) status = 1;
  }
  return status;
}
