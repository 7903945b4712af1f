#include "server/config_check.hpp"

#include <openssl/ssl.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "base/file.hpp"
#include "events/sinks.hpp"
#include "manage-sieve/script_check.hpp"
#include "net/line_server.hpp"
#include "server/privileges.hpp"
#include "store/script_cache.hpp"

namespace zest::server {
namespace {

namespace fs = std::filesystem;

struct Checker {
  const config::ServerConfig& cfg;
  DeliveryStack& stack;
  std::vector<std::string> problems;

  void add(std::string_view key, const std::string& text) {
    problems.push_back(cfg.position_of(key) + ": error: " + std::string(key) + ": " + text);
  }

  void listeners(std::string_view key, const std::vector<std::string>& specs) {
    for (const auto& spec : specs)
      if (auto ep = net::parse_endpoint(spec); !ep) add(key, ep.error());
  }

  void readable_file(std::string_view key, const std::string& path) {
    if (path.empty()) return;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
      add(key, path + ": no such file");
    else if (::access(path.c_str(), R_OK) != 0)
      add(key, path + ": not readable");
  }

  // Certificate and key must load and belong together (as OpenSSL sees it).
  void tls_pair(std::string_view table, const std::string& cert, const std::string& key) {
    if (cert.empty()) return;
    const std::string ck = "[" + std::string(table) + "] tls_cert";
    const std::string kk = "[" + std::string(table) + "] tls_key";
    const std::size_t before = problems.size();
    readable_file(ck, cert);
    readable_file(kk, key);
    if (problems.size() != before) return;
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return add(ck, "cannot create a TLS context");
    if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1)
      add(ck, cert + ": not a PEM certificate chain");
    else if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
      add(kk, key + ": not a PEM private key, or it does not match " + cert);
    else if (SSL_CTX_check_private_key(ctx) != 1)
      add(kk, key + ": does not match the certificate " + cert);
    SSL_CTX_free(ctx);
  }

  // [tls]: a minimum protocol OpenSSL knows and a cipher list it accepts
  // (the listeners would refuse them at start).
  void tls_policy() {
    const std::string& min = cfg.tls_min_protocol;
    if (min != "TLSv1.2" && min != "TLSv1.3")
      add("[tls] min_protocol", "\"" + min + "\" is not \"TLSv1.2\" or \"TLSv1.3\"");
    if (cfg.tls_ciphers.empty()) return;
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return add("[tls] ciphers", "cannot create a TLS context");
    if (SSL_CTX_set_cipher_list(ctx, cfg.tls_ciphers.c_str()) != 1)
      add("[tls] ciphers", "no cipher OpenSSL knows in \"" + cfg.tls_ciphers + "\"");
    SSL_CTX_free(ctx);
  }

  void compile(std::string_view key, const fs::path& script) {
    const auto text = base::read_file(script.string());
    if (!text) return add(key, script.string() + ": cannot read");
    const auto r = managesieve::compile_script(script.filename().string(), *text, stack.registry,
                                               stack.settings);
    if (!r.ok) {
      std::string first = r.errors.substr(0, r.errors.find('\n'));
      add(key, script.string() + ": does not compile: " + first);
    }
  }

  // A file, or a directory of *.sieve (sieve_before / sieve_after).
  void scripts(std::string_view key, const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return add(key, path + ": no such file or directory");
    for (const auto& p : store::expand_script_paths(path)) compile(key, p);
  }

  void run() {
    if (::geteuid() == 0 && !root_allowed(cfg))
      if (auto id = service_identity(cfg); !id)
        problems.push_back(cfg.position_of("[server] user") + ": error: " + id.error() +
                           " (zestd started as root switches to it)");
    listeners("[lmtp] listen", cfg.lmtp_listen);
    listeners("[managesieve] listen", cfg.managesieve_listen);
    tls_pair("lmtp", cfg.lmtp_tls_cert, cfg.lmtp_tls_key);
    tls_pair("managesieve", cfg.managesieve_tls_cert, cfg.managesieve_tls_key);
    tls_policy();
    std::error_code ec;
    if (fs::exists(cfg.data_dir, ec) && !fs::is_directory(cfg.data_dir, ec))
      add("data_dir", cfg.data_dir + ": not a directory");
    else if (!fs::exists(cfg.data_dir, ec) &&
             !fs::is_directory(fs::absolute(cfg.data_dir).parent_path(), ec))
      add("data_dir", cfg.data_dir + ": neither it nor its parent directory exists");
    // The [users] templates, tried on a sample user: unknown %-variables.
    {
      store::UserRecord sample;
      sample.name = "user@example.org";
      if (auto p = store::resolve_user(sample, stack.paths); !p) add("[users] home", p.error());
    }
    if (!stack.users_error.empty())
      add(cfg.auth_driver == "sql" ? "[sql] driver" : "[auth] driver", stack.users_error);
    // The passwd-file: a configured one must exist; any existing one must parse.
    if (cfg.auth_driver == "sql") {
    } else if (fs::exists(cfg.passwd_file, ec)) {
      if (auto all = stack.users.all(); !all) add("[auth] passwd_file", all.error());
    } else if (cfg.positions.count("[auth] passwd_file")) {
      add("[auth] passwd_file", cfg.passwd_file + ": no such file");
    }
    for (const auto& p : cfg.sieve_before) scripts("[delivery] sieve_before", p);
    for (const auto& p : cfg.sieve_after) scripts("[delivery] sieve_after", p);
    if (!cfg.sieve_default.empty()) scripts("[delivery] sieve_default", cfg.sieve_default);
    if (!cfg.sieve_global_dir.empty()) {
      if (!fs::is_directory(cfg.sieve_global_dir, ec))
        add("[delivery] sieve_global_dir", cfg.sieve_global_dir + ": not a directory");
      else
        for (const auto& p : store::expand_script_paths(cfg.sieve_global_dir))
          compile("[delivery] sieve_global_dir", p);
    }
    if (cfg.sieve.extensions) {
      std::set<std::string, std::less<>> known;
      for (const auto& e : stack.registry.extensions()) known.insert(e.name);
      for (const auto& name : *cfg.sieve.extensions)
        if (!known.count(name)) add("[sieve] extensions", "unknown extension \"" + name + "\"");
    }
    if (!cfg.submission_url.starts_with("smtp://") && !cfg.submission_url.starts_with("smtps://"))
      add("[submission] url", "\"" + cfg.submission_url + "\" is not an smtp:// or smtps:// URL");
    readable_file("[submission] ca_file", cfg.submission_ca_file);
    if (const auto& sm = cfg.submission_sendmail_path; !sm.empty()) {
      if (!fs::path(sm).is_absolute() && sm.find('/') == std::string::npos)
        add("[submission] sendmail_path", sm + ": give a path (it is run without a shell or PATH)");
      else if (!fs::is_regular_file(sm, ec))
        add("[submission] sendmail_path", sm + ": no such file");
      else if (::access(sm.c_str(), X_OK) != 0)
        add("[submission] sendmail_path", sm + ": not executable");
    }
    if (cfg.state_backend == "redis") readable_file("[state] ca_file", cfg.state_ca_file);
    readable_file("[notify.xmpp] ca_file", cfg.notify_xmpp_ca_file);
    readable_file("[notify.http] ca_file", cfg.notify_http_ca_file);
    for (const auto& s : cfg.event_sinks) {
      events::SinkOptions o;
      o.name = s.name;
      o.type = s.type;
      o.url = s.url;
      o.secret = s.secret;
      o.ca_file = s.ca_file;
      o.tls_verify = s.tls_verify;
      const bool scheme_ok = s.type == "redis"
                                 ? s.url.starts_with("redis://") || s.url.starts_with("rediss://")
                                 : s.url.starts_with("https://") || s.url.starts_with("http://");
      auto t =
          !scheme_ok
              ? Result<std::unique_ptr<events::SinkTransport>>::failure(
                    "\"" + s.url + "\" is not a " +
                    (s.type == "redis" ? "redis:// or rediss://" : "https:// or http://") + " URL")
          : s.type == "redis" ? events::make_redis_transport(o)
                              : events::make_webhook_transport(o);
      if (!t)
        problems.push_back((s.url_position.empty() ? cfg.source : s.url_position) +
                           ": error: [[events.sink]] " + s.name + " url: " + t.error());
      if (!s.ca_file.empty()) readable_file("[[events.sink]] " + s.name + " ca_file", s.ca_file);
    }
  }
};

}  // namespace

std::vector<std::string> check_config(const config::ServerConfig& cfg, DeliveryStack& stack) {
  Checker c{cfg, stack, {}};
  c.run();
  return std::move(c.problems);
}

}  // namespace zest::server
