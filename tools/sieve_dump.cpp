// sieve-dump: disassemble a compiled binary, or compile a script and dump it.
#include <iostream>

#include <CLI/CLI.hpp>

#include "base/allocator.hpp"
#include "tools/tool_common.hpp"

int main(int argc, char** argv) {
  zest::base::tune_allocator();
  using namespace zest;
  CLI::App app{"Disassemble a zest binary (.svbc) or a Sieve script"};
  app.set_version_flag("--version", "sieve-dump (zest) " ZEST_VERSION_STRING);
  std::string file;
  app.add_option("FILE", file, "binary (.svbc) or Sieve script")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : tools::kExitUsage;
  }
  interp::Registry registry;
  interp::EngineSettings settings;
  auto loaded = tools::load_script(file, registry, settings);
  for (const auto& d : loaded.diagnostics) std::cerr << d << "\n";
  if (!loaded.program) return tools::kExitCompileError;
  std::cout << interp::disassemble(*loaded.program);
  return tools::kExitOk;
}
