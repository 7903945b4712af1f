// sievec: compile a Sieve script to a verified binary (.svbc).
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "base/allocator.hpp"
#include "tools/tool_common.hpp"

int main(int argc, char** argv) {
  zest::base::tune_allocator();
  using namespace zest;
  CLI::App app{"Compile a Sieve script to a zest binary (.svbc)"};
  app.set_version_flag("--version", "sievec (zest) " ZEST_VERSION_STRING);
  std::string script, output;
  app.add_option("SCRIPT", script, "Sieve script")->required();
  app.add_option("OUTPUT", output, "binary to write (default: SCRIPT with .svbc extension)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : tools::kExitUsage;
  }
  interp::Registry registry;
  interp::EngineSettings settings;
  auto loaded = tools::load_script(script, registry, settings);
  for (const auto& d : loaded.diagnostics) std::cerr << d << "\n";
  if (!loaded.program) return tools::kExitCompileError;
  if (output.empty()) output = std::filesystem::path(script).replace_extension(".svbc").string();
  const auto bytes = interp::serialize(*loaded.program);
  if (!tools::write_file(output, {reinterpret_cast<const char*>(bytes.data()), bytes.size()})) {
    std::cerr << "sievec: " << output << ": cannot write file\n";
    return 73;  // EX_CANTCREAT
  }
  return tools::kExitOk;
}
