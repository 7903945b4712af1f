#include "server/admin_output.hpp"

#include <iostream>

#include "base/log_format.hpp"

namespace zest::server::admin {

std::string exit_codes_help() {
  return "Exit status:\n"
         "  0     success\n"
         "  1     auth test: the password does not match\n"
         "  64    usage: bad arguments or an invalid script name\n"
         "  65    the script does not compile or is empty (nothing was stored);\n"
         "        migrate-config: a syntax error in the Dovecot configuration\n"
         "  66    the script file cannot be read; migrate-config: the Dovecot\n"
         "        configuration or a file it includes cannot be read\n"
         "  67    no such user (EX_NOUSER)\n"
         "  68    no such script\n"
         "  69    deliver: permanent failure (the MTA bounces)\n"
         "  70    migrate-config: internal error (its result would not load)\n"
         "  73    refused: the name exists, the script is active, or a quota is exceeded\n"
         "  75    temporary failure (I/O, user lookup, LDA delivery): try again\n"
         "  77    cannot switch to the service user ([server] user); deliver: the\n"
         "        message was rejected (Sieve reject; the MTA bounces with its text)\n"
         "  78    the configuration does not load\n";
}

int exit_code_of(store::ScriptErrorCode code) {
  using C = store::ScriptErrorCode;
  switch (code) {
    case C::NonExistent:
      return kNotFound;
    case C::AlreadyExists:
    case C::Active:
    case C::QuotaMaxScripts:
    case C::QuotaMaxSize:
    case C::Quota:
      return kRefused;
    case C::BadName:
      return kUsage;
    case C::TryLater:
      return kTempFail;
  }
  return kTempFail;
}

void JsonObject::key(std::string_view k) {
  if (!body_.empty()) body_ += ',';
  body_ += base::json_string(k);
  body_ += ':';
}

JsonObject& JsonObject::add(std::string_view k, std::string_view value) {
  key(k);
  body_ += base::json_string(value);
  return *this;
}

JsonObject& JsonObject::add(std::string_view k, std::uint64_t value) {
  key(k);
  body_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::add(std::string_view k, bool value) {
  key(k);
  body_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::add_raw(std::string_view k, std::string_view json) {
  key(k);
  body_ += json;
  return *this;
}

std::string json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

void print(bool json, const JsonObject& obj, std::string_view text) {
  if (json)
    std::cout << obj.str() << "\n";
  else if (!text.empty())
    std::cout << text << (text.ends_with('\n') ? "" : "\n");
  std::cout.flush();
}

int fail(bool json, int exit_code, std::string_view message, std::string_view code) {
  std::cerr << "zest: " << message << (message.ends_with('\n') ? "" : "\n");
  if (json) {
    JsonObject o;
    o.add("ok", false).add("error", message);
    if (!code.empty()) o.add("code", code);
    o.add("exit", static_cast<std::uint64_t>(exit_code));
    std::cout << o.str() << "\n";
  }
  return exit_code;
}

}  // namespace zest::server::admin
