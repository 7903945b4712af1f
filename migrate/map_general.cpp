// Top-level Dovecot settings: names and addresses, the service user, the
// log, mail location and folder separator, quota, outgoing mail.
#include <grp.h>
#include <pwd.h>

#include <sstream>

#include "base/text.hpp"
#include "migrate/dovecot_values.hpp"
#include "migrate/mapper.hpp"
#include "migrate/zest_keys.hpp"

namespace zest::migrate {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// mail_uid / mail_gid: zest wants a name; a number is looked up here.
std::optional<std::string> account_name(const std::string& v, bool group) {
  if (!all_digits(v)) return v;
  const auto id = static_cast<unsigned>(std::stoul(v));
  if (group) {
    if (const struct group* g = ::getgrgid(id)) return std::string(g->gr_name);
  } else if (const struct passwd* p = ::getpwuid(id)) {
    return std::string(p->pw_name);
  }
  return std::nullopt;
}

void names(Mapper& m) {
  if (const Setting* s = m.get_delivery("hostname")) {
    m.out.set("", "hostname", toml_string(s->value), {s});
    m.done(s);
  }
  if (const Setting* s = m.get_delivery("postmaster_address")) {
    if (s->value.find('%') != std::string::npos)
      m.out.unmapped(*s,
                     "zest's postmaster_address is one fixed address (no %d); its default is "
                     "postmaster@<hostname>");
    else
      m.out.set("", "postmaster_address", toml_string(s->value), {s});
    m.done(s);
  }
  if (const Setting* s = m.get_delivery("recipient_delimiter")) {
    m.out.set("lmtp", "recipient_delimiter", toml_string(s->value), {s});
    m.done(s);
  }
  for (const char* key : {"mail_uid", "mail_gid"}) {
    const Setting* s = m.get_delivery(key);
    if (!s) continue;
    const bool group = std::string_view(key) == "mail_gid";
    if (const auto name = account_name(s->value, group))
      m.out.set("server", group ? "group" : "user", toml_string(*name), {s},
                "zestd switches to this account; it owns every user's mail (vmail model)");
    else
      m.out.unmapped(*s, std::string("no ") + (group ? "group" : "account") +
                             " with this id here; [server] " + (group ? "group" : "user") +
                             " takes a name");
    m.done(s);
  }
}

void logging(Mapper& m) {
  const Setting* path = m.get("", "log_path");
  if (path) {
    if (path->value == "syslog")
      m.out.set("log", "target", toml_string("syslog"), {path});
    else if (path->value.empty() || path->value == "/dev/stderr")
      m.out.same(*path, "zest logs to standard error by default ([log] target)");
    else
      m.out.unmapped(*path,
                     "zest logs to stderr, syslog or the journal ([log] target), not to a file "
                     "of its own; under systemd the journal collects stderr");
    m.done(path);
  }
  for (const char* key : {"info_log_path", "debug_log_path"}) {
    const Setting* s = m.get("", key);
    if (!s) continue;
    if (path && s->value == path->value)
      m.out.same(*s, "the same destination as log_path");
    else
      m.out.unmapped(*s, "zest writes every level to one destination ([log] target)");
    m.done(s);
  }
  if (const Setting* s = m.get("", "syslog_facility")) {
    if (s->value == "mail")
      m.out.same(*s, "zest logs to syslog with facility mail");
    else
      m.out.unmapped(*s, "zest logs to syslog with facility mail only");
    m.done(s);
  }
  if (const Setting* s = m.get_delivery("mail_debug")) {
    if (parse_bool(s->value).value_or(false))
      m.out.set("log", "level", toml_string("debug"), {s});
    else
      m.out.same(*s, "zest's default [log] level is info");
    m.done(s);
  }
}

// Whether mail_location keeps Maildir++ folders (".Lists.zest"), which
// makes "." Dovecot's default hierarchy separator.
bool maildir_plus_plus(const Setting* loc) {
  if (!loc) return false;
  return base::istarts_with(loc->value, "maildir:") &&
         loc->value.find("LAYOUT=fs") == std::string::npos;
}

void mail_location(Mapper& m) {
  const Setting* s = m.get_delivery("mail_location");
  if (s) {
    const std::string v = s->value;
    if (!base::istarts_with(v, "maildir:")) {
      m.out.unmapped(*s, "zest delivers to Maildir only; convert the mail first (e.g. dsync)");
    } else if (zest_has_key("users", "mail")) {
      m.out.set("users", "mail", toml_string(v), {s});
      if (v.find("LAYOUT=fs") != std::string::npos)
        m.out.remark(
            "mail_location has LAYOUT=fs: zest writes Maildir++ folders "
            "(\".Lists.zest\"), not directories; check the folder layout");
    } else if (v == "maildir:~/Maildir") {
      m.out.same(*s, "zest delivers to <home>/Maildir");
    } else {
      m.out.unmapped(*s, "this zest has no [users] mail key; it delivers to <home>/Maildir");
    }
    m.done(s);
  }
  if (const Setting* h = m.get_delivery("mail_home")) {
    m.out.set("users", "home", toml_string(h->value), {h},
              "the home of users whose user database gives none");
    m.done(h);
  }
  // The folder separator scripts use in fileinto: the inbox namespace's.
  const Setting* sep = nullptr;
  for (const auto& b : m.blocks("namespace")) {
    const Setting* inbox = b.get("inbox");
    if (const Setting* x = b.get("separator"); x && (!sep || (inbox && inbox->value == "yes")))
      sep = x;
  }
  if (sep) {
    if (sep->value == "." || sep->value == "/")
      m.out.set("delivery", "hierarchy_separator", toml_string(sep->value), {sep},
                "mailbox names in scripts (fileinto \"Lists" + sep->value + "zest\")");
    else
      m.out.unmapped(*sep, "zest's hierarchy separator is \"/\" or \".\"");
    m.done(sep);
  } else if (maildir_plus_plus(s)) {
    m.out.set("delivery", "hierarchy_separator", toml_string("."), {s},
              "no namespace separator is set: Dovecot's default for Maildir++ is \".\", so "
              "scripts say fileinto \"INBOX.Lists\"");
  }
  if (const Setting* s2 = m.get_delivery("lda_mailbox_autocreate")) {
    if (parse_bool(s2->value).value_or(false))
      m.out.set("delivery", "autocreate", toml_bool(true), {s2});
    else
      m.out.same(*s2, "zest creates folders only for fileinto :create by default");
    m.done(s2);
  }
}

void quota(Mapper& m) {
  if (const Setting* q = m.get("plugin", "quota")) {
    if (base::istarts_with(q->value, "maildir") || base::istarts_with(q->value, "count"))
      m.out.same(*q, "zest counts the Maildir's size itself (the S= sizes in file names)");
    else
      m.out.unmapped(*q, "zest counts the Maildir's size itself; no quota backend to choose");
    m.done(q);
  }
  const Setting* r = m.get("plugin", "quota_rule");
  if (!r) return;
  m.done(r);
  const std::string v = r->value;
  const std::string prefix = "*:storage=";
  if (!v.starts_with(prefix)) {
    m.out.unmapped(*r, "zest has one storage limit for the whole Maildir ([quota] storage)");
    return;
  }
  const auto bytes = parse_size(v.substr(prefix.size()));
  if (!bytes)
    m.out.unmapped(*r, "not a size zest understands (only *:storage=N[kMGT])");
  else
    m.out.set("quota", "storage", toml_int(*bytes), {r}, "octets");
}

void outgoing(Mapper& m) {
  const Setting* host = m.get_delivery("submission_host");
  const Setting* ssl = m.get_delivery("submission_ssl");
  const Setting* sendmail = m.get_delivery("sendmail_path");
  if (host && !host->value.empty()) {
    std::string h = host->value;
    if (h.find(':') == std::string::npos || (h.front() == '[' && h.back() == ']')) h += ":25";
    const bool smtps = ssl && ssl->value == "smtps";
    std::vector<const Setting*> from{host};
    if (ssl) from.push_back(ssl);
    m.out.set("submission", "url", toml_string((smtps ? "smtps://" : "smtp://") + h), from);
    if (ssl && ssl->value == "starttls")
      m.out.set("submission", "starttls", toml_string("required"), {ssl});
    else if (ssl && ssl->value == "no")
      m.out.set("submission", "starttls", toml_string("none"), {ssl},
                "Dovecot's submission_ssl = no never uses TLS");
    if (sendmail) m.out.same(*sendmail, "not used by Dovecot either while submission_host is set");
  } else if (sendmail) {
    m.out.set("submission", "sendmail_path", toml_string(sendmail->value), {sendmail});
    if (host) m.out.same(*host, "empty: outgoing mail goes to sendmail_path");
    if (ssl) m.out.same(*ssl, "not used with sendmail_path");
  } else {
    if (host) m.out.same(*host, "empty: outgoing mail goes to sendmail_path");
    m.out.remark(
        "Dovecot sends outgoing mail with /usr/sbin/sendmail when submission_host is not set; "
        "zest's default is SMTP to 127.0.0.1:25. To keep Dovecot's way, add "
        "[submission] sendmail_path = \"/usr/sbin/sendmail\"");
    if (ssl) m.out.same(*ssl, "not used without submission_host");
  }
  m.done(host);
  m.done(ssl);
  m.done(sendmail);
  if (const Setting* t = m.get_delivery("submission_timeout")) {
    if (const auto secs = parse_seconds(t->value))
      m.out.set("submission", "timeout", toml_int(*secs), {t}, "seconds");
    else
      m.out.unmapped(*t, "not a time interval");
    m.done(t);
  }
}

}  // namespace

void map_general(Mapper& m) {
  names(m);
  logging(m);
  mail_location(m);
  quota(m);
  outgoing(m);
}

}  // namespace zest::migrate
