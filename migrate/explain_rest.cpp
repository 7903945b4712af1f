// The reason given for each Dovecot setting no mapping step took.
#include <array>

#include "migrate/mapper.hpp"

namespace zest::migrate {
namespace {

struct Reason {
  std::string_view prefix;  // of the key, or of the section path when it ends in '/'
  std::string_view why;
};

constexpr std::string_view kNoImap =
    "for Dovecot's IMAP/POP3 side: zest serves only LMTP and ManageSieve";

// First match wins.
constexpr std::array<Reason, 32> kReasons = {{
    {"protocol imap/", kNoImap},
    {"protocol pop3/", kNoImap},
    {"protocol submission/", "for Dovecot's submission service: zest has none"},
    {"service imap", kNoImap},
    {"service pop3", kNoImap},
    {"service submission", "for Dovecot's submission service: zest has none"},
    {"service lmtp/", "zest runs one process with threads ([lmtp] workers, max_connections)"},
    {"service managesieve", "zest runs one process ([managesieve] max_connections)"},
    {"service ", "a Dovecot service zest does not have or need"},
    {"namespace", "IMAP namespaces: zest delivers to Maildir++ folders; fileinto creates them"},
    {"passdb", "zest's user database has no such option"},
    {"userdb", "zest's user database has no such option"},
    {"plugin/sieve", "zest has no such Sieve setting"},
    {"plugin/quota", "zest has one storage limit ([quota] storage) and no quota warnings"},
    {"plugin/", "a setting of a Dovecot plugin zest does not have"},
    {"protocol sieve/", "zest's ManageSieve has no such setting"},
    {"imap_", kNoImap},
    {"pop3_", kNoImap},
    {"mbox_", "zest delivers to Maildir only"},
    {"mdbox_", "zest delivers to Maildir only"},
    {"maildir_", "Dovecot's Maildir tuning; zest's Maildir writer has no such option"},
    {"mail_", "a detail of Dovecot's mail storage or processes; zest has no such option"},
    {"auth_", "Dovecot's auth service; zest checks passwords itself ([auth])"},
    {"ssl_", "zest's TLS has no such option ([tls], tls_cert, tls_key)"},
    {"login_", "Dovecot's login processes; zest has none"},
    {"lda_", "a dovecot-lda option zest has no equivalent for"},
    {"lmtp_", "an LMTP option zest has no equivalent for"},
    {"managesieve_", "zest's ManageSieve has no such setting"},
    {"submission_", "for Dovecot's submission service: zest has none"},
    {"first_valid_", "zest runs as one service user ([server] user)"},
    {"last_valid_", "zest runs as one service user ([server] user)"},
    {"default_", "Dovecot's internal accounts and process defaults; zest has [server] user"},
}};

std::string_view reason_for(const Setting& s) {
  const std::string name = s.name();
  for (const auto& r : kReasons) {
    if (name.starts_with(r.prefix)) return r.why;
  }
  static constexpr std::array<std::string_view, 6> kProcess = {
      "base_dir",          "state_dir",        "instance_name",
      "verbose_proctitle", "shutdown_clients", "import_environment"};
  for (auto k : kProcess)
    if (s.key == k && s.scope.empty()) return "Dovecot's own process layout; zest has data_dir";
  return "no zest equivalent";
}

void mail_plugins(Mapper& m, const Setting& s) {
  std::string other;
  std::string w;
  for (char c : s.value + " ") {
    if (c != ' ' && c != '\t') {
      w += c;
      continue;
    }
    if (!w.empty() && w != "sieve" && w != "quota") other += (other.empty() ? "" : ", ") + w;
    w.clear();
  }
  if (other.empty())
    m.out.same(s, "zest runs Sieve on every delivery and counts quota itself ([quota])");
  else
    m.out.unmapped(s, "zest has no plugins; no equivalent for: " + other);
}

}  // namespace

void explain_rest(Mapper& m) {
  for (const Setting* s : m.effective()) {
    if (m.is_done(s)) continue;
    const Setting* lmtp = s->scope.empty() ? m.get_delivery(s->key) : nullptr;
    if (lmtp && lmtp != s && m.is_done(lmtp))
      m.out.same(*s, "for delivery, " + lmtp->name() + " (" + lmtp->where.str() +
                         ") replaces it, and that is mapped");
    else if (s->key == "mail_plugins")
      mail_plugins(m, *s);
    else
      m.out.unmapped(*s, reason_for(*s));
    m.done(s);
  }
}

}  // namespace zest::migrate
