#include "tools/tool_host.hpp"

#include <iostream>

#include "mail/address.hpp"

namespace zest::tools {

bool ToolHost::mailbox_exists(std::string_view mailbox) {
  return maildir_ ? maildir_->folder_exists(mailbox) : false;
}

std::optional<std::string> ToolHost::environment(std::string_view name) {
  if (name == "name") return "zest";
  if (name == "version") return "0.1.0";
  if (name == "location") return "MDA";
  if (name == "phase") return "during";
  if (name == "domain") return "localhost";
  if (name == "host") return "localhost";
  return std::nullopt;
}

void ToolHost::log(interp::LogLevel level, std::string_view message) {
  const char* tag = level == interp::LogLevel::Error     ? "error"
                    : level == interp::LogLevel::Warning ? "warning"
                    : level == interp::LogLevel::Info    ? "info"
                                                         : "debug";
  std::cerr << program_ << ": " << tag << ": " << message << "\n";
}

std::string first_address(const mail::Message& m, std::initializer_list<const char*> names,
                          std::string fallback) {
  for (const char* n : names)
    for (auto v : m.header_raw(n)) {
      auto list = mail::parse_address_list(v);
      if (!list.addresses.empty()) return mail::to_string(list.addresses.front());
    }
  return fallback;
}

}  // namespace zest::tools
