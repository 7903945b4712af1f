// Which services listen where (protocols, listen, service lmtp and
// managesieve-login listeners), TLS, and the ManageSieve protocol settings.
#include <algorithm>
#include <map>

#include "base/text.hpp"
#include "migrate/dovecot_values.hpp"
#include "migrate/mapper.hpp"

namespace zest::migrate {
namespace {

std::vector<std::string> words(std::string_view v) {
  std::vector<std::string> out;
  std::string w;
  for (char c : v) {
    if (c == ',' || base::is_space(c)) {
      if (!w.empty()) out.push_back(std::move(w));
      w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

// "addr:port" for zest's listen lists; `*` is every IPv4 address, `::`
// every IPv6 one.
std::string endpoint(const std::string& addr, const std::string& port) {
  if (addr == "*") return "0.0.0.0:" + port;
  if (addr.find(':') != std::string::npos) {
    const std::string a = addr.front() == '[' ? addr : "[" + addr + "]";
    return a + ":" + port;
  }
  return addr + ":" + port;
}

struct Listeners {
  std::vector<std::string> specs;
  std::vector<const Setting*> from;
};

// The inet_listener and unix_listener sections of one service.
// `defaults`: Dovecot's built-in inet listeners of the service (name -> port).
Listeners service_listeners(Mapper& m, const std::string& service,
                            const std::map<std::string, std::string>& defaults,
                            const std::vector<std::string>& listen_addrs, const Setting* listen,
                            const std::string& base_dir) {
  Listeners out;
  std::map<std::string, std::pair<std::string, const Setting*>> ports;  // name -> port
  std::map<std::string, const Setting*> addrs;
  for (const auto& [name, port] : defaults) ports[name] = {port, nullptr};
  const std::string svc = "service " + service;
  for (const auto& [scope, where] : m.conf().sections) {
    if (scope.size() != 2 || scope_key({scope[0]}) != svc) continue;
    const std::string path = svc + "/" + scope[1].type + " " + scope[1].name;
    if (scope[1].type == "inet_listener") {
      if (!ports.count(scope[1].name)) ports[scope[1].name] = {"", nullptr};
      if (const Setting* p = m.get(path, "port")) ports[scope[1].name] = {p->value, p};
      if (const Setting* a = m.get(path, "address")) addrs[scope[1].name] = a;
      for (const char* k : {"port", "address"}) m.done(m.get(path, k));
      for (const char* k : {"ssl", "haproxy", "reuse_port"}) {
        const Setting* x = m.get(path, k);
        if (!x) continue;
        if (!parse_bool(x->value).value_or(true))
          m.out.same(*x, "off, as in zest");
        else
          m.out.unmapped(*x, std::string_view(k) == "ssl"
                                 ? "zest offers STARTTLS, not implicit TLS, on its listeners"
                                 : "zest listeners have no such option");
        m.done(x);
      }
    } else if (scope[1].type == "unix_listener") {
      const std::string& n = scope[1].name;
      const std::string sock = n.starts_with("/") ? n : base_dir + "/" + n;
      out.specs.push_back("unix:" + sock);
      for (const char* k : {"mode", "user", "group"})
        if (const Setting* x = m.get(path, k)) {
          m.out.unmapped(*x,
                         "zest creates its sockets with mode 0666; restrict access "
                         "with the directory's permissions");
          m.done(x);
        }
    }
  }
  for (const auto& [name, pv] : ports) {
    const auto& [port, setting] = pv;
    if (port.empty() || port == "0") continue;
    std::vector<std::string> as = listen_addrs;
    if (auto it = addrs.find(name); it != addrs.end()) {
      as = words(it->second->value);
      out.from.push_back(it->second);
    } else if (listen) {
      out.from.push_back(listen);
      m.done(listen);
    }
    if (setting) out.from.push_back(setting);
    const bool v4_all = std::find(as.begin(), as.end(), "*") != as.end();
    for (const auto& a : as) {
      if (v4_all && a == "::") continue;  // one socket: 0.0.0.0 and [::] would collide
      out.specs.push_back(endpoint(a, port));
    }
  }
  return out;
}

void tls(Mapper& m) {
  const Setting* ssl = m.get("", "ssl");
  const Setting* cert = m.get("", "ssl_cert");
  const Setting* key = m.get("", "ssl_key");
  const bool off = ssl && ssl->value == "no";
  if (ssl) {
    if (off)
      m.out.same(*ssl, "zest offers STARTTLS only when tls_cert and tls_key are set");
    else if (ssl->value == "required")
      m.out.same(*ssl,
                 "zest accepts passwords without TLS only from loopback "
                 "([managesieve] allow_plaintext_auth = false)");
    m.done(ssl);
  }
  if (cert || key) {
    if (off) {
      for (const Setting* s : {cert, key})
        if (s) m.out.same(*s, "not used: ssl = no");
    } else if (!cert || !key || cert->hidden || key->hidden || cert->value.empty() ||
               key->value.empty()) {
      for (const Setting* s : {cert, key})
        if (s)
          m.out.unmapped(*s,
                         "zest needs both the certificate and the key file; doveconf -n "
                         "hides the key: run doveconf -nP or give the files");
    } else {
      for (const char* table : {"lmtp", "managesieve"}) {
        m.out.set(table, "tls_cert", toml_string(cert->value), {cert});
        m.out.set(table, "tls_key", toml_string(key->value), {key});
      }
    }
    m.done(cert);
    m.done(key);
  }
  if (const Setting* s = m.get("", "ssl_min_protocol")) {
    if (s->value == "TLSv1.2" || s->value == "TLSv1.3")
      m.out.set("tls", "min_protocol", toml_string(s->value), {s});
    else
      m.out.unmapped(*s, "zest accepts TLSv1.2 at least ([tls] min_protocol)");
    m.done(s);
  }
  if (const Setting* s = m.get("", "ssl_cipher_list")) {
    m.out.set("tls", "ciphers", toml_string(s->value), {s});
    m.done(s);
  }
  if (const Setting* s = m.get("", "disable_plaintext_auth")) {
    if (!parse_bool(s->value).value_or(true))
      m.out.set("managesieve", "allow_plaintext_auth", toml_bool(true), {s});
    else
      m.out.same(*s, "zest accepts PLAIN without TLS only from loopback, as Dovecot does");
    m.done(s);
  }
}

void managesieve_settings(Mapper& m) {
  for (const char* scope : {"", "protocol sieve"}) {
    if (const Setting* s = m.get(scope, "managesieve_max_line_length")) {
      if (const auto n = parse_size(s->value))
        m.out.set("managesieve", "max_line_length", toml_int(*n), {s});
      else
        m.out.unmapped(*s, "not a size");
      m.done(s);
    }
  }
}

}  // namespace

void map_listeners(Mapper& m) {
  std::vector<std::string> protocols;
  const Setting* proto = m.get("", "protocols");
  if (proto) {
    protocols = words(proto->value);
    m.done(proto);
  }
  auto serves = [&](std::string_view p) {
    return std::find(protocols.begin(), protocols.end(), p) != protocols.end();
  };
  std::vector<std::string> listen_addrs{"*", "::"};
  const Setting* listen = m.get("", "listen");
  if (listen) listen_addrs = words(listen->value);
  std::string base_dir = "/var/run/dovecot";
  if (const Setting* b = m.get("", "base_dir")) base_dir = b->value;

  // LMTP: only the listeners the configuration names (Dovecot's own
  // <base_dir>/lmtp socket is implicit).
  if (proto && !serves("lmtp")) {
    m.out.set("lmtp", "listen", "[]", {proto},
              "Dovecot did not serve LMTP: let the MTA run `zest deliver` as its LDA");
  } else {
    auto l = service_listeners(m, "lmtp", {}, listen_addrs, listen, base_dir);
    if (proto) l.from.insert(l.from.begin(), proto);
    if (!l.specs.empty())
      m.out.set("lmtp", "listen", toml_list(l.specs), l.from);
    else if (!proto || serves("lmtp"))
      m.out.remark("Dovecot's LMTP listens on " + base_dir +
                   "/lmtp unless configured otherwise; zest listens where [lmtp] listen says "
                   "(default 127.0.0.1:2424): point the MTA there");
  }
  // ManageSieve: Pigeonhole's default listener is port 4190 on `listen`.
  const bool sieve_service = m.has_section("service managesieve-login");
  if (proto && !serves("sieve")) {
    m.out.set("managesieve", "listen", "[]", {proto}, "Dovecot did not serve ManageSieve");
  } else if ((proto && serves("sieve")) || sieve_service) {
    auto l = service_listeners(m, "managesieve-login", {{"sieve", "4190"}}, listen_addrs, listen,
                               base_dir);
    if (proto) l.from.insert(l.from.begin(), proto);
    m.out.set("managesieve", "listen", toml_list(l.specs), l.from);
  }
  if (listen && !m.is_done(listen)) {
    m.out.unmapped(*listen,
                   "no zest listener uses Dovecot's default address; each zest "
                   "listener names its own ([lmtp] listen, [managesieve] listen)");
    m.done(listen);
  }
  tls(m);
  managesieve_settings(m);
}

}  // namespace zest::migrate
