// `zest migrate-config`: read the Dovecot configuration, map it
// (migrate/), and print it only once zest's own parser accepts it.
#include <filesystem>
#include <iostream>
#include <iterator>

#include "config/server_config.hpp"
#include "migrate/migrate.hpp"
#include "server/admin_commands.hpp"
#include "server/admin_output.hpp"

namespace zest::server::admin {

int migrate_config(const std::string& file) {
  const bool from_stdin = file.empty() || file == "-";
  const auto conf = [&] {
    if (!from_stdin) return migrate::read_dovecot_config(file);
    // Relative !include paths: from the working directory.
    const std::string text(std::istreambuf_iterator<char>(std::cin), {});
    return migrate::parse_dovecot_config(text, "<stdin>", std::filesystem::current_path().string());
  }();
  if (!conf) {
    std::cerr << "zest migrate-config: " << conf.error().message << "\n";
    return conf.error().kind == migrate::ReadError::Kind::Syntax ? kDataErr : kNoInput;
  }
  const std::string toml = migrate::migrate_config(conf.value());
  // Never print what zest itself would refuse.
  if (auto check = config::parse_server_config(toml, "migrate-config output"); !check) {
    std::cerr << "zest migrate-config: internal error, the result does not load: " << check.error()
              << "\n";
    return kSoftware;
  }
  std::cout << toml;
  std::cout.flush();
  return std::cout ? kOk : kTempFail;
}

}  // namespace zest::server::admin
