// The delivery agent over a real Maildir, and with a fault-injecting
// backend (disk full must answer 452 and store nothing).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "delivery/agent.hpp"
#include "delivery/notify_rate.hpp"
#include "delivery/redis_state.hpp"

namespace zest::delivery {
namespace {
namespace fs = std::filesystem;

class NullSender : public transport::MailSender {
 public:
  std::vector<std::string> sent;
  bool fail = false;
  Status send(std::string_view, std::string_view rcpt, std::string_view) override {
    if (fail) return Status::failure("connection refused");
    sent.emplace_back(rcpt);
    return Status::success();
  }
};

// Stages nothing; every store fails like a full disk.
class FullDiskBackend : public StagedBackend {
 public:
  bool mailbox_exists(std::string_view) override { return true; }
  Status create_mailbox(std::string_view) override { return Status::success(); }
  Status store(std::string_view, std::span<const std::string>, std::string_view) override {
    failed_ = true;
    return Status::failure("write: No space left on device");
  }
  Status send_mail(std::string_view, std::string_view, std::string_view) override {
    return Status::success();
  }
  bool duplicate_seen(std::string_view) override { return false; }
  void duplicate_mark(std::string_view, std::chrono::seconds) override {}
  CommitResult commit() override { return {}; }
  void rollback() override {}
  bool storage_failed() const override { return failed_; }

 private:
  bool failed_ = false;
};

std::size_t count_files(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() /
           ("zest-agent-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
    fs::create_directories(root);
    std::ofstream(root / "passwd")
        << "alice@example.org:{PLAIN}pw::::::\nbob:{PLAIN}pw::::" + (root / "bobhome").string() +
               "::\n";
    options.paths.data_dir = root;
    users = std::make_unique<store::UserDb>(root / "passwd");
    source = std::make_unique<store::PasswdUserSource>(*users);
  }
  void TearDown() override { fs::remove_all(root); }
  void script(const std::string& user_home, const std::string& text) {
    fs::create_directories(fs::path(user_home) / "sieve");
    std::ofstream(fs::path(user_home) / "sieve" / "s.sieve") << text;
    fs::create_symlink("sieve/s.sieve", fs::path(user_home) / ".dovecot.sieve");
  }
  Outcome deliver(const std::string& rcpt,
                  std::string msg = "Subject: hi\nTo: alice@example.org\n\nbody\n") {
    auto u = agent().lookup(rcpt);
    EXPECT_TRUE(u && u.value());
    DeliveryRequest r;
    r.from = "sender@example.net";
    r.rcpt = rcpt;
    message = std::move(msg);
    r.message = message;
    return agent().deliver(*u.value(), r);
  }
  DeliveryAgent& agent() {
    if (!agent_) {
      agent_ = std::make_unique<DeliveryAgent>(options, *source, cache, sender, registry, settings,
                                               [this](std::string_view l) { log.emplace_back(l); });
      agent_->set_notify_methods(&notify_methods);
    }
    return *agent_;
  }
  fs::path root;
  AgentOptions options;
  std::unique_ptr<store::UserDb> users;
  std::unique_ptr<store::PasswdUserSource> source;
  interp::Registry registry;
  interp::EngineSettings settings;
  store::ScriptCache cache{registry, settings};
  NullSender sender;
  methods::MethodRegistry notify_methods = methods::standard_methods({});
  std::vector<std::string> log;
  std::string message;
  std::unique_ptr<DeliveryAgent> agent_;
};

TEST_F(AgentTest, LookupStripsDetailThenTriesLocalPart) {
  store::UserDb db(root / "passwd");
  auto a = db.find_recipient("alice+lists@example.org", "+");
  ASSERT_TRUE(a && a.value());
  EXPECT_EQ(a.value()->name, "alice@example.org");
  auto b = db.find_recipient("bob+x@anywhere.example", "+");
  ASSERT_TRUE(b && b.value());
  EXPECT_EQ(b.value()->name, "bob");
  auto c = db.find_recipient("carol@example.org", "+");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c.value());
}

TEST_F(AgentTest, ImplicitKeepWithoutScript) {
  const Outcome o = deliver("alice@example.org");
  EXPECT_EQ(o.code, 250);
  EXPECT_EQ(count_files(root / "home" / "alice@example.org" / "Maildir" / "new"), 1u);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.back().find("event=delivery"), std::string::npos);
  EXPECT_NE(log.back().find("result=\"250 2.0.0\""), std::string::npos);
}

TEST_F(AgentTest, TheLastRecipientTakesTheMessageBufferAndStoresItWhole) {
  auto u = agent().lookup("alice@example.org");
  ASSERT_TRUE(u && u.value());
  std::string buffer = "Subject: big\n\n" + std::string(100000, 'x') + "\n";
  const std::string sent = buffer;
  DeliveryRequest r;
  r.from = "sender@example.net";
  r.rcpt = "alice@example.org";
  r.trace = "Received: from mx by here\n";
  r.message = buffer;
  r.message_buffer = &buffer;
  EXPECT_EQ(agent().deliver(*u.value(), r).code, 250);
  EXPECT_TRUE(buffer.empty());  // taken, not copied
  const fs::path inbox = root / "home" / "alice@example.org" / "Maildir" / "new";
  ASSERT_EQ(count_files(inbox), 1u);
  std::ifstream in(fs::directory_iterator(inbox)->path());
  const std::string stored((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(stored,
            "Return-Path: <sender@example.net>\nDelivered-To: alice@example.org\n"
            "Received: from mx by here\n" +
                sent);
}

TEST_F(AgentTest, FileintoFlagsAndReject) {
  const fs::path home = root / "bobhome";
  script(home.string(),
         "require [\"fileinto\", \"imap4flags\", \"reject\"];\n"
         "if header :is \"subject\" \"no\" { reject \"Not wanted\"; stop; }\n"
         "if header :is \"subject\" \"list\" { fileinto \"Lists/sieve\"; stop; }\n"
         "addflag \"\\\\Seen\"; keep;\n");
  options.autocreate = true;
  EXPECT_EQ(deliver("bob", "Subject: list\n\nx\n").code, 250);
  EXPECT_EQ(count_files(home / "Maildir" / ".Lists.sieve" / "new"), 1u);
  EXPECT_EQ(deliver("bob", "Subject: other\n\nx\n").code, 250);
  ASSERT_EQ(count_files(home / "Maildir" / "cur"), 1u);
  EXPECT_TRUE(fs::directory_iterator(home / "Maildir" / "cur")->path().string().ends_with(":2,S"));
  const Outcome r = deliver("bob", "Subject: no\n\nx\n");
  EXPECT_EQ(r.code, 550);
  EXPECT_EQ(r.enhanced, "5.7.1");
  EXPECT_EQ(r.text, "Not wanted");
  EXPECT_TRUE(fs::exists(home / "sieve" / "s.svbc"));  // compiled cache beside the script
}

TEST_F(AgentTest, RuntimeErrorFallsBackToInboxAndLogs) {
  const fs::path home = root / "bobhome";
  script(home.string(), "require \"fileinto\";\nfileinto \"a.b\";\n");
  EXPECT_EQ(deliver("bob").code, 250);
  EXPECT_EQ(count_files(home / "Maildir" / "new"), 1u);
  bool logged = false;
  for (const auto& l : log) logged = logged || l.find("'.' is not allowed") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(AgentTest, DiskFullAnswers452AndStoresNothing) {
  agent().set_backend_factory([](const LocalUser&, transport::MailSender&, auto) {
    return std::make_unique<FullDiskBackend>();
  });
  const Outcome o = deliver("alice@example.org");
  EXPECT_EQ(o.code, 452);
  EXPECT_EQ(o.enhanced, "4.3.1");
  EXPECT_EQ(exit_code(o.kind), 75);
}

TEST_F(AgentTest, RedirectFailureIsTemporaryAndStoresNothing) {
  const fs::path home = root / "bobhome";
  script(home.string(), "require \"copy\";\nredirect :copy \"elsewhere@example.net\";\n");
  sender.fail = true;
  EXPECT_EQ(deliver("bob").code, 451);
  EXPECT_EQ(count_files(home / "Maildir" / "new"), 0u);
  EXPECT_EQ(count_files(home / "Maildir" / "tmp"), 0u);
  sender.fail = false;
  EXPECT_EQ(deliver("bob").code, 250);
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(count_files(home / "Maildir" / "new"), 1u);
}

std::string read_only_file(const fs::path& dir) {
  std::ifstream in(fs::directory_iterator(dir)->path());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(AgentTest, IncludeReadsPersonalAndGlobalScripts) {
  const fs::path home = root / "bobhome";
  fs::create_directories(root / "global");
  std::ofstream(root / "global" / "spam.sieve")
      << "require [\"fileinto\", \"mailbox\"];\nif header :contains \"subject\" \"spam\" "
         "{ fileinto :create \"Junk\"; }\n";
  fs::create_directories(home / "sieve");
  std::ofstream(home / "sieve" / "lists.sieve")
      << "require [\"fileinto\", \"mailbox\"];\nif header :contains \"subject\" \"list\" "
         "{ fileinto :create \"Lists\"; }\n";
  script(home.string(),
         "require \"include\";\ninclude :global \"spam\";\ninclude :personal \"lists\";\n"
         "include :optional \"missing\";\n");
  options.sieve_global_dir = root / "global";
  EXPECT_EQ(deliver("bob", "Subject: spam offer\n\nx\n").code, 250);
  EXPECT_EQ(count_files(home / "Maildir" / ".Junk" / "new"), 1u);
  EXPECT_EQ(deliver("bob", "Subject: list mail\n\nx\n").code, 250);
  EXPECT_EQ(count_files(home / "Maildir" / ".Lists" / "new"), 1u);
  EXPECT_EQ(count_files(home / "Maildir" / "new"), 0u);
}

TEST_F(AgentTest, MissingIncludeIsARuntimeErrorThatKeeps) {
  const fs::path home = root / "bobhome";
  script(home.string(), "require \"include\";\ninclude :global \"nowhere\";\ndiscard;\n");
  EXPECT_EQ(deliver("bob").code, 250);
  EXPECT_EQ(count_files(home / "Maildir" / "new"), 1u);  // implicit keep, not the discard
}

TEST_F(AgentTest, EditheaderChangesAreStored) {
  const fs::path home = root / "bobhome";
  script(home.string(),
         "require \"editheader\";\naddheader \"X-Filtered\" \"zest\";\n"
         "deleteheader \"X-Spam\";\n");
  EXPECT_EQ(deliver("bob", "Subject: hi\nX-Spam: yes\n\nbody\n").code, 250);
  const std::string stored = read_only_file(home / "Maildir" / "new");
  EXPECT_NE(stored.find("X-Filtered: zest"), std::string::npos) << stored;
  EXPECT_EQ(stored.find("X-Spam"), std::string::npos) << stored;
  EXPECT_NE(stored.find("body"), std::string::npos);
}

TEST_F(AgentTest, DuplicateIsRememberedAcrossDeliveries) {
  const fs::path home = root / "bobhome";
  script(home.string(), "require \"duplicate\";\nif duplicate { discard; }\n");
  const std::string msg = "Message-ID: <one@example.net>\nSubject: hi\n\nx\n";
  EXPECT_EQ(deliver("bob", msg).code, 250);
  EXPECT_EQ(deliver("bob", msg).code, 250);
  EXPECT_EQ(count_files(home / "Maildir" / "new"), 1u);  // the second copy was discarded
}

TEST_F(AgentTest, VacationAnswersOnceAndLogsWhyNot) {
  const fs::path home = root / "bobhome";
  script(home.string(),
         "require \"vacation\";\nvacation :addresses \"bob@example.org\" \"Away\";\n");
  const std::string msg = "To: bob@example.org\nSubject: hi\n\nx\n";
  EXPECT_EQ(deliver("bob", msg).code, 250);
  EXPECT_EQ(deliver("bob", msg).code, 250);
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_NE(log.back().find("vacation: already answered this sender"), std::string::npos)
      << log.back();
  EXPECT_EQ(deliver("bob", "To: bob@example.org\nPrecedence: bulk\n\nx\n").code, 250);
  EXPECT_EQ(sender.sent.size(), 1u);
}

TEST_F(AgentTest, DotSeparatorForDovecotScripts) {
  const fs::path home = root / "bobhome";
  script(home.string(),
         "require [\"fileinto\", \"mailbox\"];\nfileinto :create \"INBOX.Lists.zest\";\n");
  options.hierarchy_separator = '.';
  EXPECT_EQ(deliver("bob").code, 250);
  EXPECT_EQ(count_files(home / "Maildir" / ".Lists.zest" / "new"), 1u);
}

// Records xmpp/https payloads instead of sending them.
class RecordingTransport : public methods::Transport {
 public:
  std::vector<std::string> xmpp;
  Status send_mail(const methods::MailPayload&) override { return Status::failure("unused"); }
  Status send_xmpp(const methods::XmppPayload& p) override {
    xmpp.push_back(p.to);
    return Status::success();
  }
  Status send_http(const methods::HttpPayload&) override { return Status::failure("refused"); }
};

TEST_F(AgentTest, NotificationsPerUserHourAreCountedInTheHome) {
  const fs::path home = root / "bobhome";
  script(home.string(),
         "require \"enotify\";\n"
         "notify \"mailto:carol@example.net\";\n"
         "notify \"xmpp:bob@example.org\";\n");
  options.notify_max_per_user_hour = 3;
  RecordingTransport transport;
  agent().set_notify_transport(&transport);
  EXPECT_EQ(deliver("bob").code, 250);
  EXPECT_EQ(sender.sent, std::vector<std::string>{"carol@example.net"});
  EXPECT_EQ(transport.xmpp.size(), 1u);
  // The third notification of the hour is sent, the fourth is not; both
  // messages are delivered. The count is keyed by the account, not the
  // recipient address (bob+x is bob).
  EXPECT_EQ(deliver("bob+x@example.org").code, 250);
  EXPECT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(transport.xmpp.size(), 1u);
  EXPECT_EQ(count_files(home / "Maildir" / "new"), 2u);
  std::size_t sent = 0, skipped = 0;
  for (const auto& l : log) {
    if (l.find("event=notify ") == std::string::npos) continue;
    sent += l.find("status=sent") != std::string::npos;
    skipped += l.find("status=skipped") != std::string::npos &&
               l.find("rate limit for bob reached") != std::string::npos;
  }
  EXPECT_EQ(sent, 3u);
  EXPECT_EQ(skipped, 1u);
  std::ifstream in(home / ".zest.notify-rate");
  std::size_t lines = 0;
  for (std::string l; std::getline(in, l);) ++lines;
  EXPECT_EQ(lines, 3u);
  // A new agent (a restart, or another LDA process) sees the same count.
  agent_.reset();
  agent().set_notify_transport(&transport);
  EXPECT_EQ(deliver("bob").code, 250);
  EXPECT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(transport.xmpp.size(), 1u);
}

// Hears what delivery announces; can refuse, like an outbox that is down.
class RecordingObserver : public DeliveryObserver {
 public:
  std::vector<QuotaNotice> quota;
  std::vector<DeliveryNotice> delivered;
  bool fail = false;
  Status on_quota(const QuotaNotice& n) override {
    quota.push_back(n);
    return fail ? Status::failure("outbox down") : Status::success();
  }
  Status on_delivered(const DeliveryNotice& n) override {
    delivered.push_back(n);
    return fail ? Status::failure("outbox down") : Status::success();
  }
};

TEST_F(AgentTest, ObserverHearsStoredCopiesAndCreatedFolders) {
  const fs::path home = root / "bobhome";
  script(home.string(),
         "require [\"fileinto\", \"mailbox\", \"imap4flags\"];\n"
         "fileinto :create :flags \"\\\\Seen\" \"Lists\";\nkeep;\n");
  RecordingObserver observer;
  agent().set_observer(&observer);
  EXPECT_EQ(deliver("bob",
                    "Message-ID: <m1@example.net>\nFrom: Ann <ann@example.net>\n"
                    "Subject: =?utf-8?q?caf=C3=A9?=\n\nx\n")
                .code,
            250);
  ASSERT_EQ(observer.delivered.size(), 1u);
  const DeliveryNotice& n = observer.delivered[0];
  EXPECT_EQ(n.user, "bob");
  EXPECT_EQ(n.envelope_from, "sender@example.net");
  EXPECT_EQ(n.rcpt, "bob");
  EXPECT_EQ(n.message_id, "<m1@example.net>");
  EXPECT_EQ(n.from, "Ann <ann@example.net>");
  EXPECT_EQ(n.subject, "caf\xC3\xA9");
  ASSERT_EQ(n.copies.size(), 2u);
  EXPECT_EQ(n.copies[0].mailbox, "Lists");
  EXPECT_EQ(n.copies[0].flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(n.copies[1].mailbox, "INBOX");
  EXPECT_EQ(n.created_mailboxes, std::vector<std::string>{"Lists"});
  EXPECT_FALSE(n.rejected);
  EXPECT_FALSE(n.discarded);
  EXPECT_TRUE(observer.quota.empty());
}

TEST_F(AgentTest, ObserverHearsRejectAndDiscard) {
  const fs::path home = root / "bobhome";
  script(home.string(),
         "require \"reject\";\nif header :is \"subject\" \"no\" { reject \"Not wanted\"; stop; }\n"
         "discard;\n");
  RecordingObserver observer;
  agent().set_observer(&observer);
  EXPECT_EQ(deliver("bob", "Subject: no\n\nx\n").code, 550);
  EXPECT_EQ(deliver("bob", "Subject: other\n\nx\n").code, 250);
  ASSERT_EQ(observer.delivered.size(), 2u);
  EXPECT_TRUE(observer.delivered[0].rejected);
  EXPECT_EQ(observer.delivered[0].reject_reason, "Not wanted");
  EXPECT_TRUE(observer.delivered[0].copies.empty());
  EXPECT_FALSE(observer.delivered[1].rejected);
  EXPECT_TRUE(observer.delivered[1].discarded);
  EXPECT_TRUE(observer.delivered[1].copies.empty());
}

TEST_F(AgentTest, ObserverThatCannotHearTakesTheCopyBack) {
  RecordingObserver observer;
  observer.fail = true;
  agent().set_observer(&observer);
  const Outcome o = deliver("alice@example.org");
  EXPECT_EQ(o.code, 451);
  EXPECT_EQ(o.enhanced, "4.3.0");
  EXPECT_EQ(observer.delivered.size(), 1u);
  EXPECT_EQ(count_files(root / "home" / "alice@example.org" / "Maildir" / "new"), 0u);
  bool logged = false;
  for (const auto& l : log)
    logged = logged || (l.starts_with("event=outbox-error ") &&
                        l.find("error=\"outbox down\"") != std::string::npos);
  EXPECT_TRUE(logged);
}

// An observer with an outbox (zestd, the LDA): notifications and vacation
// replies are handed over with the notice, never sent during delivery.
class OutboxObserver : public RecordingObserver {
 public:
  bool takes_outgoing() const override { return true; }
};

TEST_F(AgentTest, NotificationsAndVacationGoToTheOutboxNotTheNetwork) {
  const fs::path home = root / "bobhome";
  script(home.string(),
         "require [\"enotify\", \"vacation\"];\n"
         "notify \"mailto:carol@example.net\";\n"
         "notify \"xmpp:bob@example.org\";\n"
         "vacation :days 1 :addresses \"bob@example.org\" \"away\";\n");
  RecordingTransport transport;
  agent().set_notify_transport(&transport);
  OutboxObserver observer;
  agent().set_observer(&observer);
  const std::string msg = "From: ann@example.net\nTo: bob@example.org\nMessage-ID: <v1@x>\n\nx\n";
  // Recording fails: 451, nothing sent, the reply not taken as sent.
  observer.fail = true;
  EXPECT_EQ(deliver("bob", msg).code, 451);
  EXPECT_TRUE(sender.sent.empty());
  EXPECT_TRUE(transport.xmpp.empty());
  ASSERT_EQ(observer.delivered.size(), 1u);
  EXPECT_EQ(observer.delivered[0].outgoing.size(), 3u);
  // The client's retry records all three again, the vacation reply too.
  observer.fail = false;
  EXPECT_EQ(deliver("bob", msg).code, 250);
  EXPECT_TRUE(sender.sent.empty());
  EXPECT_TRUE(transport.xmpp.empty());
  ASSERT_EQ(observer.delivered.size(), 2u);
  const auto& out = observer.delivered[1].outgoing;
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].vacation);
  EXPECT_TRUE(std::holds_alternative<methods::MailPayload>(out[0].payload));
  EXPECT_TRUE(std::holds_alternative<methods::XmppPayload>(out[1].payload));
  EXPECT_TRUE(out[2].vacation);
  EXPECT_EQ(std::get<methods::MailPayload>(out[2].payload).rcpts,
            std::vector<std::string>{"sender@example.net"});
  // Recorded once: the same sender is not answered again.
  EXPECT_EQ(
      deliver("bob", "From: ann@example.net\nTo: bob@example.org\nMessage-ID: <v2@x>\n\nx\n").code,
      250);
  ASSERT_EQ(observer.delivered.size(), 3u);
  for (const auto& o : observer.delivered[2].outgoing) EXPECT_FALSE(o.vacation);
  std::size_t queued = 0;
  for (const auto& l : log) queued += l.find("status=queued") != std::string::npos;
  EXPECT_EQ(queued, 6u);  // 2 notifications x 3 deliveries
}

TEST_F(AgentTest, QuotaGateRefusesAndAnnouncesBothWays) {
  options.paths.quota_storage = 200;
  RecordingObserver observer;
  agent().set_observer(&observer);
  const std::string big = "Subject: big\n\n" + std::string(300, 'x') + "\n";
  const Outcome o = deliver("alice@example.org", big);
  EXPECT_EQ(o.code, 452);
  EXPECT_EQ(o.enhanced, "4.2.2");
  ASSERT_EQ(observer.quota.size(), 1u);
  EXPECT_TRUE(observer.quota[0].exceeded);
  EXPECT_EQ(observer.quota[0].quota, 200u);
  EXPECT_EQ(observer.quota[0].used, 0u);
  const fs::path home = root / "home" / "alice@example.org";
  EXPECT_TRUE(fs::exists(home / ".zest.quota-exceeded"));
  EXPECT_EQ(deliver("alice@example.org", "Subject: small\n\nx\n").code, 250);
  ASSERT_EQ(observer.quota.size(), 2u);
  EXPECT_FALSE(observer.quota[1].exceeded);
  EXPECT_FALSE(fs::exists(home / ".zest.quota-exceeded"));
  EXPECT_EQ(deliver("alice@example.org", "Subject: small\n\nx\n").code, 250);
  EXPECT_EQ(observer.quota.size(), 2u);  // announced once
}

// Issue 15.5: the quota marker is written without following a symlink the
// user planted in the home, and what a delivery creates is private.
TEST_F(AgentTest, QuotaMarkerDoesNotFollowAPlantedSymlink) {
  options.paths.quota_storage = 200;
  const fs::path home = root / "home" / "alice@example.org";
  fs::create_directories(home);
  const fs::path victim = root / "victim";
  std::ofstream(victim) << "precious\n";
  fs::create_symlink(victim, home / ".zest.quota-exceeded");
  EXPECT_EQ(deliver("alice@example.org", "Subject: big\n\n" + std::string(300, 'x') + "\n").code,
            452);
  std::ifstream in(victim);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "precious\n");
  EXPECT_FALSE(fs::is_symlink(home / ".zest.quota-exceeded"));
}

TEST_F(AgentTest, HomeAndMaildirAreCreatedPrivate) {
  EXPECT_EQ(deliver("alice@example.org").code, 250);
  const fs::path home = root / "home" / "alice@example.org";
  for (const fs::path& d : {home, home / "Maildir", home / "Maildir" / "new"})
    EXPECT_EQ(fs::status(d).permissions() & fs::perms::all, fs::perms::owner_all) << d;
}

// A loopback port nothing listens on: a Redis that is down.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

class UnreachableStateTest : public AgentTest {
 protected:
  RedisState state{[] {
    RedisStateOptions o;
    o.endpoint.port = closed_port();
    o.timeout_seconds = 1;
    return o;
  }()};
  bool logged_state_error() const {
    for (const auto& l : log)
      if (l.find("event=state-error") != std::string::npos) return true;
    return false;
  }
};

// The state cannot be read: no vacation reply, no stored copy, a
// temporary failure the MTA retries (not "never answered" nor "answered").
TEST_F(UnreachableStateTest, VacationTempfailsAndDoesNothing) {
  const fs::path home = root / "bobhome";
  script(home.string(),
         "require \"vacation\";\nvacation :addresses \"bob@example.org\" \"Away\";\n");
  agent().set_state(&state);
  const Outcome o = deliver("bob", "To: bob@example.org\nSubject: hi\n\nx\n");
  EXPECT_EQ(o.code, 451);
  EXPECT_EQ(o.enhanced, "4.3.0");
  EXPECT_EQ(exit_code(o.kind), 75);
  EXPECT_TRUE(sender.sent.empty());
  EXPECT_EQ(count_files(home / "Maildir" / "new"), 0u);
  EXPECT_EQ(count_files(home / "Maildir" / "tmp"), 0u);
  EXPECT_TRUE(logged_state_error());
  // Back to the local backend (null), the same delivery goes through.
  agent().set_state(nullptr);
  EXPECT_EQ(deliver("bob", "To: bob@example.org\nSubject: hi\n\nx\n").code, 250);
  EXPECT_EQ(sender.sent.size(), 1u);
}

TEST_F(UnreachableStateTest, DuplicateTestTempfailsBeforeAnyAction) {
  const fs::path home = root / "bobhome";
  script(home.string(),
         "require [\"duplicate\", \"fileinto\", \"mailbox\"];\n"
         "if duplicate { discard; } else { fileinto :create \"New\"; }\n");
  agent().set_state(&state);
  const Outcome o = deliver("bob", "Message-ID: <one@example.net>\nSubject: hi\n\nx\n");
  EXPECT_EQ(o.code, 451);
  EXPECT_FALSE(fs::exists(home / "Maildir" / ".New"));
  EXPECT_TRUE(logged_state_error());
}

TEST_F(UnreachableStateTest, NotifyRateTempfails) {
  const fs::path home = root / "bobhome";
  script(home.string(), "require \"enotify\";\nnotify \"mailto:carol@example.net\";\n");
  agent().set_state(&state);
  EXPECT_EQ(deliver("bob").code, 451);
  EXPECT_TRUE(sender.sent.empty());
  EXPECT_EQ(count_files(home / "Maildir" / "new"), 0u);
}

// Mail whose script asks nothing of the state is not held up by it.
TEST_F(UnreachableStateTest, ScriptsWithoutStateDeliver) {
  const fs::path home = root / "bobhome";
  script(home.string(), "require \"fileinto\";\nfileinto \"INBOX\";\n");
  agent().set_state(&state);
  EXPECT_EQ(deliver("bob").code, 250);
  EXPECT_EQ(count_files(home / "Maildir" / "new"), 1u);
}

TEST(RedisRateLimiter, NoLimitNeedsNoServer) {
  RedisState state([] {
    RedisStateOptions o;
    o.endpoint.port = closed_port();
    return o;
  }());
  auto s = state.open("u", {}, 0);
  EXPECT_TRUE(s.notify_rate->allow("u", 1));
  EXPECT_TRUE(s.notify_rate->failure().empty());
}

TEST(FileRateLimiter, SlidingHourInAFile) {
  const fs::path f = fs::temp_directory_path() / ("zest-rate-" + std::to_string(::getpid()));
  fs::remove(f);
  FileRateLimiter a(f, 2), b(f, 2);  // two processes' views of one file
  EXPECT_TRUE(a.allow("u", 1000));
  EXPECT_TRUE(b.allow("u", 1500));
  EXPECT_FALSE(a.allow("u", 1600));
  EXPECT_TRUE(b.allow("u", 4600));  // the first one is an hour old
  EXPECT_FALSE(a.allow("u", 4700));
  EXPECT_TRUE(a.last_error().empty());
  FileRateLimiter unlimited(f, 0);
  EXPECT_TRUE(unlimited.allow("u", 4700));
  fs::remove(f);
  // An unusable file admits (mail must not stop) and says why.
  FileRateLimiter broken(fs::temp_directory_path() / "no-such-dir-zest" / "rate", 1);
  EXPECT_TRUE(broken.allow("u", 1));
  EXPECT_FALSE(broken.last_error().empty());
}

}  // namespace
}  // namespace zest::delivery

namespace zest::delivery {
namespace {

// extprograms at delivery: filter and execute run while the script runs,
// pipe when the result is carried out; programs get Pigeonhole's
// environment. Real /bin/sh programs from [sieve] *_bin_dir.
class ExtProgramsAgentTest : public AgentTest {
 protected:
  void program(const std::string& name, const std::string& body) {
    fs::create_directories(root / "bin");
    const fs::path p = root / "bin" / name;
    std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    for (const char* kind : {"pipe", "filter", "execute"})
      settings.values[std::string(kind) + "_bin_dir"] = (root / "bin").string();
  }
  std::string stored() {
    const fs::path dir = root / "home" / "alice@example.org" / "Maildir" / "new";
    if (count_files(dir) != 1) return {};
    std::ifstream in(fs::directory_iterator(dir)->path());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

TEST_F(ExtProgramsAgentTest, FilterExecuteAndPipeAtDelivery) {
  program("tag", "echo 'X-Tagged: yes'; cat");
  program("rcpt", "printf '%s' \"$RECIPIENT\"");
  program("save", "cat > \"$HOME/piped\"");
  script((root / "home" / "alice@example.org").string(),
         "require [\"vnd.dovecot.filter\", \"vnd.dovecot.execute\", \"vnd.dovecot.pipe\",\n"
         "         \"variables\", \"editheader\", \"copy\"];\n"
         "filter \"tag\";\n"
         "execute :output \"who\" \"rcpt\";\n"
         "addheader \"X-Rcpt\" \"${who}\";\n"
         "if header :is \"x-tagged\" \"yes\" { pipe :copy \"save\"; }\n");
  const Outcome o = deliver("alice@example.org");
  EXPECT_EQ(o.code, 250);
  const std::string kept = stored();
  EXPECT_NE(kept.find("X-Tagged: yes"), std::string::npos) << kept;
  EXPECT_NE(kept.find("X-Rcpt: alice@example.org"), std::string::npos) << kept;
  std::ifstream piped(root / "home" / "alice@example.org" / "piped");
  const std::string p((std::istreambuf_iterator<char>(piped)), {});
  EXPECT_NE(p.find("X-Tagged: yes\r\n"), std::string::npos) << p;  // input_eol crlf
}

TEST_F(ExtProgramsAgentTest, FailedPipeKeepsTheMessage) {
  program("fail", "cat >/dev/null; exit 1");
  script((root / "home" / "alice@example.org").string(),
         "require \"vnd.dovecot.pipe\";\npipe \"fail\";\n");
  const Outcome o = deliver("alice@example.org");
  EXPECT_EQ(o.code, 250);
  EXPECT_FALSE(stored().empty());  // the implicit keep, as for any failed action
  bool logged = false;
  for (const auto& l : log)
    logged = logged || (l.find("event=action-error") != std::string::npos &&
                        l.find("failed to pipe message to program 'fail'") != std::string::npos);
  EXPECT_TRUE(logged);
}

// [sieve] global_extensions: a sieve_before script may pipe; the user's own
// active script may not (Pigeonhole: "restricted to global scripts"), and
// the message is kept.
TEST_F(ExtProgramsAgentTest, GlobalExtensionsOnlyForTheAdministratorsScripts) {
  program("save", "cat > \"$HOME/piped\"");
  settings.global_extensions = {"vnd.dovecot.pipe"};
  const fs::path before = root / "before.sieve";
  std::ofstream(before) << "require [\"vnd.dovecot.pipe\", \"copy\"];\npipe :copy \"save\";\n";
  options.sieve_before = {before};
  // alice has no script of her own: the before script pipes.
  EXPECT_EQ(deliver("alice@example.org").code, 250);
  EXPECT_TRUE(fs::exists(root / "home" / "alice@example.org" / "piped"));
  EXPECT_FALSE(stored().empty());
  // bob's own script requires the extension: refused, and (as for any
  // failed script of the sequence) the message is kept and nothing is piped.
  script((root / "bobhome").string(),
         "require [\"vnd.dovecot.pipe\", \"copy\"];\npipe :copy \"save\";\n");
  EXPECT_EQ(deliver("bob").code, 250);
  EXPECT_FALSE(fs::exists(root / "bobhome" / "piped"));
  EXPECT_EQ(count_files(root / "bobhome" / "Maildir" / "new"), 1u);
  bool logged = false;
  for (const auto& l : log)
    logged = logged || (l.find("event=script-error") != std::string::npos &&
                        l.find("restricted to global scripts") != std::string::npos);
  EXPECT_TRUE(logged);
}

TEST_F(ExtProgramsAgentTest, WithoutBinDirTheExtensionsAreUnknown) {
  script((root / "home" / "alice@example.org").string(),
         "require \"vnd.dovecot.execute\";\nexecute \"x\";\n");
  const Outcome o = deliver("alice@example.org");
  EXPECT_EQ(o.code, 250);
  EXPECT_FALSE(stored().empty());
  bool logged = false;
  for (const auto& l : log) logged = logged || l.find("event=script-error") != std::string::npos;
  EXPECT_TRUE(logged);
}

}  // namespace
}  // namespace zest::delivery
