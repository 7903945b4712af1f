// The ManageSieve session fed arbitrary bytes after a login, framed by
// net's LineFramer as the server frames them: command and literal parsing,
// SASL exchanges, every command against an in-memory store.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

#include "manage-sieve/driver.hpp"
#include "manage-sieve/session.hpp"

namespace {

namespace ms = zest::managesieve;
namespace st = zest::store;

class MemStore final : public st::ScriptStore {
 public:
  template <class T>
  static st::ScriptResult<T> none() {
    return st::ScriptResult<T>::failure({st::ScriptErrorCode::NonExistent, "no such script"});
  }
  st::ScriptResult<std::vector<st::ScriptInfo>> list() override {
    std::vector<st::ScriptInfo> v;
    for (const auto& [k, _] : scripts_) v.push_back({k, k == active_});
    return v;
  }
  st::ScriptResult<std::string> get(std::string_view n) override {
    auto it = scripts_.find(std::string(n));
    if (it == scripts_.end()) return none<std::string>();
    return it->second;
  }
  st::ScriptResult<bool> put(std::string_view n, std::string_view s,
                             std::span<const std::uint8_t>) override {
    if (auto r = have_space(n, s.size()); !r) return r;
    scripts_[std::string(n)] = std::string(s);
    return true;
  }
  st::ScriptResult<bool> rename(std::string_view a, std::string_view b) override {
    auto it = scripts_.find(std::string(a));
    if (it == scripts_.end()) return none<bool>();
    if (scripts_.count(std::string(b)))
      return st::ScriptResult<bool>::failure({st::ScriptErrorCode::AlreadyExists, "exists"});
    scripts_[std::string(b)] = it->second;
    scripts_.erase(std::string(a));
    if (active_ == a) active_ = b;
    return true;
  }
  st::ScriptResult<bool> remove(std::string_view n) override {
    if (active_ == n && !n.empty())
      return st::ScriptResult<bool>::failure({st::ScriptErrorCode::Active, "active"});
    return scripts_.erase(std::string(n)) ? st::ScriptResult<bool>(true) : none<bool>();
  }
  st::ScriptResult<bool> set_active(std::string_view n) override {
    if (!n.empty() && !scripts_.count(std::string(n))) return none<bool>();
    active_ = n;
    return true;
  }
  st::ScriptResult<std::optional<std::string>> active() override {
    if (active_.empty()) return std::optional<std::string>{};
    return std::optional<std::string>(active_);
  }
  st::ScriptResult<bool> have_space(std::string_view n, std::uint64_t size) override {
    if (size > 4096)
      return st::ScriptResult<bool>::failure({st::ScriptErrorCode::QuotaMaxSize, "too big"});
    if (!scripts_.count(std::string(n)) && scripts_.size() >= 8)
      return st::ScriptResult<bool>::failure({st::ScriptErrorCode::QuotaMaxScripts, "too many"});
    return true;
  }

 private:
  std::map<std::string, std::string> scripts_;
  std::string active_;
};

class FuzzBackend final : public ms::Backend {
 public:
  std::unique_ptr<st::ScriptStore> open_store(std::string_view) override {
    return std::make_unique<MemStore>();
  }
  // Compiling is fuzzed by fuzz_compile; here every script is accepted,
  // "w" gives a warning and "e" an error.
  ms::CheckResult check(std::string_view, std::string_view source) override {
    ms::CheckResult r;
    r.ok = source.find('e') == std::string_view::npos;
    if (!r.ok) r.errors = "1:1: error: e\r\nline two";
    if (source.find('w') != std::string_view::npos) r.warnings = "1:1: warning: w";
    return r;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto sasl = ms::make_gsasl_server([](std::string_view u) -> std::optional<std::string> {
    if (u == "alice") return std::string("{PLAIN}secret");
    return std::nullopt;
  });
  if (!sasl) return 0;
  FuzzBackend backend;
  ms::LoginGuard guard;
  ms::Options o;
  o.loopback = true;
  o.tls_available = true;
  o.max_script_size = 4096;
  o.max_string = 256;
  o.max_auth_failures = 1000;
  ms::Session session(backend, **sasl, guard, o, "127.0.0.1");
  ms::ByteDriver driver(session, 512);
  driver.greeting();
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // Half the inputs start logged in, so the script commands are reached.
  if (!in.empty() && (in[0] & 1))
    driver.feed("AUTHENTICATE \"PLAIN\" \"AGFsaWNlAHNlY3JldA==\"\r\n");
  driver.feed(in);
  if (driver.tls_requested()) driver.tls_done();
  return 0;
}
