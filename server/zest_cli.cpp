// zest: administration (users, scripts, quota) and the LDA (`zest deliver`).
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <iterator>

#include <CLI/CLI.hpp>

#include "base/allocator.hpp"
#include "base/atomic_file.hpp"
#include "base/crlf.hpp"
#include "config/server_config.hpp"
#include "delivery/agent.hpp"
#include "delivery/lda_trace.hpp"
#include "mail/message.hpp"
#include "server/admin_commands.hpp"
#include "server/admin_output.hpp"
#include "server/privileges.hpp"
#include "server/runtime.hpp"
#include "store/maildir_tx.hpp"
#include "transport/curl.hpp"
#include "userdb/user_setup.hpp"

namespace {

using namespace zest;
namespace fs = std::filesystem;

constexpr int kExUsage = 64, kExNoUser = 67, kExSoftware = 70, kExTempFail = 75, kExConfig = 78;

std::optional<std::string> read_password(const std::string& given, bool from_stdin) {
  if (!given.empty()) return given;
  if (from_stdin || !::isatty(0)) {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  const char* p = ::getpass("Password: ");
  if (!p) return std::nullopt;
  std::string first = p;
  p = ::getpass("Retype password: ");
  if (!p || first != p) {
    std::cerr << "zest: passwords do not match\n";
    return std::nullopt;
  }
  return first;
}

// Postfix mailbox_command / Exim pipe: message on stdin.
int deliver(const config::ServerConfig& cfg, const std::string& sender_opt, const std::string& orig,
            const std::string& rcpt, bool verbose) {
  const transport::CurlGlobal curl;
  server::Logger log("zest-deliver", server::log_options(cfg), verbose);
  server::DeliveryStack stack(cfg, log);
  std::string raw(std::istreambuf_iterator<char>(std::cin), {});
  if (!std::cin.eof() && std::cin.fail()) {
    std::cerr << "zest deliver: cannot read the message\n";
    return kExTempFail;
  }
  // An mbox "From " separator line is not part of the message.
  if (raw.starts_with("From "))
    raw.erase(0, raw.find('\n') == std::string::npos ? raw.size() : raw.find('\n') + 1);
  // Bare CR and bare LF are line ends like CRLF (docs/security.md).
  const std::string msg = base::normalize_line_ends(raw);
  std::string from = sender_opt;
  if (from.empty()) {
    // Fall back to the Return-Path the MTA may have written.
    const mail::Message m(msg);
    const auto rp = m.header_raw("return-path");
    if (!rp.empty()) {
      std::string v(rp.front());
      if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
      from = v;
    }
  }
  if (from == "<>") from.clear();
  auto found = stack.agent.lookup(rcpt);
  if (!found) {
    // The database did not answer: the MTA tries again (never "unknown").
    if (found.error().temporary) {
      std::cerr << "zest deliver: user lookup failed: " << found.error().message << "\n";
      return kExTempFail;
    }
    std::cerr << "zest deliver: " << found.error().message << "\n";
    return kExNoUser;
  }
  if (!found.value()) {
    std::cerr << "zest deliver: " << rcpt << ": user unknown\n";
    return kExNoUser;
  }
  delivery::DeliveryRequest req;
  req.from = from;
  req.rcpt = rcpt;
  req.orig_rcpt = orig;
  // Postfix's pipe(8) flags=DR (or local(8)) wrote Return-Path: and
  // Delivered-To: already; the agent writes them, once (docs/postfix.md).
  const std::string stripped = delivery::drop_mta_trace(msg, rcpt);
  req.message = stripped;
  req.session = "lda-" + std::to_string(::getpid());
  const auto out = stack.agent.deliver(*found.value(), req);
  if (out.kind != delivery::Outcome::Kind::Delivered)
    std::cerr << out.enhanced << " " << out.text << "\n";
  return delivery::exit_code(out.kind);
}

// `zest events list|retry`: the outbox as the administrator sees it.
int events_list(const config::ServerConfig& cfg, const std::string& state, const std::string& sink,
                const std::string& user, std::size_t limit) {
  auto box = server::open_outbox(cfg);
  if (!box) {
    std::cerr << "zest: " << box.error() << "\n";
    return kExTempFail;
  }
  events::Outbox::Query q;
  q.sink = sink;
  q.user = user;
  q.limit = limit;
  if (state == "pending")
    q.state = events::State::Pending;
  else if (state == "delivered")
    q.state = events::State::Delivered;
  else if (state == "dead")
    q.state = events::State::Dead;
  else if (state != "all") {
    std::cerr << "zest: --state must be pending, delivered, dead or all\n";
    return kExUsage;
  }
  auto rows = box.value()->list(q);
  if (!rows) {
    std::cerr << "zest: " << rows.error() << "\n";
    return kExTempFail;
  }
  std::cout << "ID\tSINK\tUSER\tSEQ\tTYPE\tSTATE\tATTEMPTS\tTIME\tLAST_ERROR\n";
  for (const auto& d : rows.value())
    std::cout << d.event.id << "\t" << d.sink << "\t" << d.event.user << "\t" << d.event.sequence
              << "\t" << d.event.type << "\t" << events::state_name(d.state) << "\t" << d.attempts
              << "\t" << d.event.time << "\t" << (d.last_error.empty() ? "-" : d.last_error)
              << "\n";
  return 0;
}

int events_retry(const config::ServerConfig& cfg, const std::vector<std::string>& ids,
                 bool all_dead, const std::string& sink) {
  if (ids.empty() && !all_dead) {
    std::cerr << "zest: name event ids, or --all-dead\n";
    return kExUsage;
  }
  auto box = server::open_outbox(cfg);
  if (!box) {
    std::cerr << "zest: " << box.error() << "\n";
    return kExTempFail;
  }
  auto n = box.value()->retry(ids, sink);
  if (!n) {
    std::cerr << "zest: " << n.error() << "\n";
    return kExTempFail;
  }
  std::cout << n.value() << " dead deliver" << (n.value() == 1 ? "y" : "ies") << " queued again\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  zest::base::tune_allocator();
  namespace admin = zest::server::admin;
  // Everything zest creates (homes, Maildirs, scripts, state files, the
  // events outbox) is private to its user: see docs/security.md.
  ::umask(077);
  CLI::App app{"zest: Sieve mail filtering administration and local delivery"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "zest " ZEST_VERSION_STRING);
  std::string config_path;
  app.add_option("-c,--config", config_path, "configuration file (TOML); default: built-in");

  auto* user = app.add_subcommand("user", "manage users in the passwd-file");
  user->require_subcommand(1);
  std::string name, password, scheme = "SHA512-CRYPT", home;
  bool pw_stdin = false;
  auto* add = user->add_subcommand("add", "add a user (creates the home and Maildir)");
  add->add_option("NAME", name, "user name or address")->required();
  add->add_option("--password", password, "password (visible to ps; prefer --password-stdin)");
  add->add_flag("--password-stdin", pw_stdin, "read the password from standard input");
  add->add_option("--scheme", scheme,
                  "SHA512-CRYPT (default), BLF-CRYPT, ARGON2ID, SCRAM-SHA-256 or PLAIN");
  add->add_option("--home", home, "home directory (default <data_dir>/home/<user>)");
  auto* passwd = user->add_subcommand("passwd", "change a user's password");
  passwd->add_option("NAME", name)->required();
  passwd->add_option("--password", password);
  passwd->add_flag("--password-stdin", pw_stdin);
  passwd->add_option("--scheme", scheme);
  auto* del = user->add_subcommand("del", "remove a user (the home is left alone)");
  del->add_option("NAME", name)->required();
  auto* list = user->add_subcommand("list", "list users and homes (of [auth] driver's database)");
  bool json = false;
  auto* show = user->add_subcommand("show", "a user's home, Maildir, scripts and quota use");
  show->add_option("NAME", name, "user name")->required();
  show->add_flag("--json", json, "one JSON object on standard output");

  // Like doveadm sieve: the ManageSieve rules, on the files directly.
  admin::SieveArgs sv;
  auto* sieve = app.add_subcommand(
      "sieve",
      "manage a user's Sieve scripts with ManageSieve's rules (compile check, quota, "
      "atomic replacement); each change is logged");
  sieve->require_subcommand(1);
  auto sieve_leaf = [&](const char* action, const char* help) {
    auto* c = sieve->add_subcommand(action, help);
    c->add_option("-u,--user", sv.user, "the user whose scripts these are")
        ->required(std::string_view(action) != "check");
    c->add_flag("--json", sv.json, "one JSON object on standard output");
    c->callback([&sv, action] { sv.action = action; });
    return c;
  };
  sieve_leaf("list", "list the scripts; the active one is marked ACTIVE");
  sieve_leaf("get", "print a script")->add_option("NAME", sv.name, "script name")->required();
  auto* sv_put = sieve_leaf("put", "store a script from FILE or standard input (compiled first)");
  sv_put->add_option("NAME", sv.name, "script name")->required();
  sv_put->add_option("FILE", sv.file, "the script (default: standard input)");
  sv_put->add_flag("-a,--activate", sv.activate, "make it the active script once stored");
  sieve_leaf("activate", "make a script the active one")
      ->add_option("NAME", sv.name, "script name")
      ->required();
  sieve_leaf("deactivate", "leave the user without an active script");
  sieve_leaf("delete", "delete a script (not the active one)")
      ->add_option("NAME", sv.name, "script name")
      ->required();
  auto* sv_ren = sieve_leaf("rename", "rename a script (the active one stays active)");
  sv_ren->add_option("NAME", sv.name, "script name")->required();
  sv_ren->add_option("NEW_NAME", sv.new_name, "new name")->required();
  sieve_leaf("check", "compile a script from FILE or standard input; store nothing")
      ->add_option("FILE", sv.file, "the script (default: standard input)");

  auto* quota = app.add_subcommand("quota", "a user's storage and script quota use");
  quota->require_subcommand(1);
  std::string quota_action, quota_user;
  for (const char* a : {"get", "recalc"}) {
    auto* c = quota->add_subcommand(
        a, std::string_view(a) == "get"
               ? "storage as delivery counts it (the S= sizes in the file names), scripts"
               : "count again from every file's size on disk (zest keeps no usage cache), log it");
    c->add_option("-u,--user", quota_user, "user name")->required();
    c->add_flag("--json", json, "one JSON object on standard output");
    c->callback([&quota_action, a] { quota_action = a; });
  }

  auto* auth = app.add_subcommand("auth", "check credentials against the user database");
  auth->require_subcommand(1);
  std::string auth_user;
  auto* auth_test = auth->add_subcommand(
      "test", "check USER's password, read as one line from standard input (exit 0 or 1)");
  auth_test->add_option("USER", auth_user, "user name")->required();
  auth_test->add_flag("--json", json, "one JSON object on standard output");

  auto* dlv = app.add_subcommand("deliver", "deliver a message from standard input (LDA)");
  std::string sender, orig, rcpt;
  bool verbose = false;
  dlv->add_option("-f", sender, "envelope sender (\"<>\" for the null sender)");
  dlv->add_option("-a", orig, "original envelope recipient");
  dlv->add_flag("-v,--verbose", verbose, "log the delivery on standard error");
  dlv->add_option("RECIPIENT", rcpt, "recipient address or user name")->required();

  auto* evs = app.add_subcommand("events",
                                 "the outbox of message-store events, notifications and vacation "
                                 "replies (docs/events.md, docs/notifications.md)");
  evs->require_subcommand(1);
  std::string ev_state = "all", ev_sink, ev_user;
  std::size_t ev_limit = 1000;
  auto* ev_list = evs->add_subcommand(
      "list",
      "list deliveries of events to sinks and of notifications to destinations (notify:...)");
  ev_list->add_option("--state", ev_state, "pending, delivered, dead or all (default)");
  ev_list->add_option(
      "--sink", ev_sink,
      "only this sink or destination (notify:mail, notify:xmpp, notify:https://host)");
  ev_list->add_option("--user", ev_user, "only this user");
  ev_list->add_option("--limit", ev_limit, "at most this many rows (default 1000)");
  auto* ev_retry = evs->add_subcommand("retry", "queue dead deliveries again");
  std::vector<std::string> ev_ids;
  bool ev_all = false;
  ev_retry->add_option("ID", ev_ids, "event ids (as listed)");
  ev_retry->add_flag("--all-dead", ev_all, "every dead delivery");
  ev_retry->add_option("--sink", ev_sink, "only this sink");

  auto* migrate = app.add_subcommand(
      "migrate-config",
      "print the zest configuration (TOML) equivalent to a Dovecot/Pigeonhole one, with a "
      "comment for each setting it could not map (docs/migrating-from-pigeonhole.md)");
  std::string migrate_file;
  migrate->add_option("FILE", migrate_file,
                      "dovecot.conf (its !include files are read too) or the output of "
                      "`doveconf -n`; default or \"-\": standard input");

  app.footer(admin::exit_codes_help());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExUsage;
  }
  // Needs no zest configuration, and reads /etc/dovecot as whoever runs it.
  if (migrate->parsed()) return admin::migrate_config(migrate_file);
  auto loaded = config_path.empty() ? Result<config::ServerConfig>(config::default_server_config())
                                    : config::load_server_config(config_path);
  if (!loaded) {
    std::cerr << "zest: " << loaded.error() << "\n";
    return kExConfig;
  }
  const auto& cfg = loaded.value();
  // Who ran an administration command, for its log lines.
  if (const struct passwd* pw = ::getpwuid(::getuid())) sv.admin = pw->pw_name;
  if (const char* sudo = std::getenv("SUDO_USER")) sv.admin += std::string("/sudo:") + sudo;
  // Run as root, act as the service user: what gets created is its own.
  if (auto who = server::drop_privileges(cfg); !who) {
    std::cerr << "zest: " << who.error() << "\n";
    return 77;  // EX_NOPERM
  }
  if (dlv->parsed()) return deliver(cfg, sender, orig, rcpt, verbose);
  if (sieve->parsed() || quota->parsed()) {
    server::Logger log("zest", server::log_options(cfg));
    if (sieve->parsed()) return admin::sieve_command(cfg, sv, log);
    return admin::quota_command(cfg, quota_action, quota_user, json, sv.admin, log);
  }
  if (auth_test->parsed()) return admin::auth_test(cfg, auth_user, json);
  if (show->parsed()) return admin::user_show(cfg, name, json);
  if (ev_list->parsed()) return events_list(cfg, ev_state, ev_sink, ev_user, ev_limit);
  if (ev_retry->parsed()) return events_retry(cfg, ev_ids, ev_all, ev_sink);

  store::UserDb db(cfg.passwd_file);
  auto users = db.all();
  if (!users) {
    std::cerr << "zest: " << users.error() << "\n";
    return kExConfig;
  }
  auto& all = users.value();
  auto find = [&](const std::string& n) {
    return std::find_if(all.begin(), all.end(),
                        [&](const store::UserEntry& u) { return u.name == n; });
  };
  const store::PathTemplates templates = userdb::path_templates(cfg);
  if (list->parsed()) {
    // Every user of the configured database ([auth] driver), with its home.
    std::string setup_error;
    auto source = userdb::make_user_source(cfg, db, setup_error);
    auto records = source->all();
    if (!records) {
      std::cerr << "zest: " << records.error() << "\n";
      return setup_error.empty() ? kExTempFail : kExConfig;
    }
    for (const auto& u : records.value()) {
      auto place = store::resolve_user(u, templates);
      std::cout << u.name << "\t" << (place ? place->where.home.string() : "-") << "\n";
      if (!place) std::cerr << "zest: " << place.error() << "\n";
    }
    return 0;
  }
  if (name.empty() || name.find_first_of(":\n/") != std::string::npos || name[0] == '.' ||
      !store::check_user_name(name)) {
    std::cerr << "zest: invalid user name '" << name << "'\n";
    return kExUsage;
  }
  if (del->parsed()) {
    auto it = find(name);
    if (it == all.end()) {
      std::cerr << "zest: no such user '" << name << "'\n";
      return kExNoUser;
    }
    all.erase(it);
  } else {
    const bool adding = add->parsed();
    auto it = find(name);
    if (adding && it != all.end()) {
      std::cerr << "zest: user '" << name << "' already exists\n";
      return kExUsage;
    }
    if (!adding && it == all.end()) {
      std::cerr << "zest: no such user '" << name << "'\n";
      return kExNoUser;
    }
    auto pw = read_password(password, pw_stdin);
    if (!pw || pw->empty()) {
      std::cerr << "zest: a non-empty password is required\n";
      return kExUsage;
    }
    auto hashed = store::hash_password(scheme, *pw);
    if (!hashed) {
      std::cerr << "zest: " << hashed.error() << "\n";
      return kExUsage;
    }
    if (adding) {
      store::UserEntry u;
      u.name = name;
      u.password = hashed.value();
      u.home = home.empty() ? "" : fs::absolute(home).string();
      // The places the [users] templates give this user.
      auto place = store::resolve_user(store::record_of(u), templates);
      if (!place) {
        std::cerr << "zest: " << place.error() << "\n";
        return kExConfig;
      }
      if (auto s = base::make_private_dirs(place->where.script_dir()); !s)
        std::cerr << "zest: warning: " << s.error() << "\n";
      if (auto r = store::create_maildir(place->where.maildir(), false); !r)
        std::cerr << "zest: warning: " << r.error() << "\n";
      all.push_back(std::move(u));
    } else {
      it->password = hashed.value();
    }
  }
  if (auto r = db.save(all); !r) {
    std::cerr << "zest: " << r.error() << "\n";
    return kExTempFail;
  }
  (void)kExSoftware;
  return 0;
}
