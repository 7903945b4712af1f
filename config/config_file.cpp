#include "config/config_file.hpp"

#include "base/file.hpp"

namespace zest::config {

std::string toml_position(const toml::source_region& r, std::string_view source_name) {
  return std::string(source_name) + ":" + std::to_string(r.begin.line) + ":" +
         std::to_string(r.begin.column);
}

Result<std::string> read_config_file(std::string_view path) {
  auto text = base::read_file(std::string(path));
  if (!text)
    return Result<std::string>::failure(std::string(path) + ": cannot open configuration file");
  return std::move(*text);
}

}  // namespace zest::config
