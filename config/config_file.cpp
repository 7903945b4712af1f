#include "config/config_file.hpp"

#include <fstream>
#include <sstream>

namespace zest::config {

std::string toml_position(const toml::source_region& r, std::string_view source_name) {
  return std::string(source_name) + ":" + std::to_string(r.begin.line) + ":" +
         std::to_string(r.begin.column);
}

Result<std::string> read_config_file(std::string_view path) {
  std::ifstream in{std::string(path), std::ios::binary};
  if (!in)
    return Result<std::string>::failure(std::string(path) + ": cannot open configuration file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace zest::config
