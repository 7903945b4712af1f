// The delivery executor over the testsuite's mail simulation, and a small
// end-to-end run of the sieve-testsuite runner.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "delivery/executor.hpp"
#include "interp/registry.hpp"
#include "mail/message.hpp"
#include "methods/method.hpp"
#include "tools/testsuite/mail_sim.hpp"
#include "tools/testsuite/suite.hpp"

namespace zest::testsuite {
namespace {

constexpr std::string_view kRaw = "From: a@example.org\nTo: b@example.net\nSubject: Hi\n\nBody\n";

class ExecutorTest : public ::testing::Test {
 protected:
  mail::Message msg{std::string(kRaw)};
  interp::Envelope env{"a@example.org", "b@example.net", "b@example.net", ""};
  interp::EngineSettings settings;
  MailSimulation sim;
  interp::ActionList actions;
  delivery::ExecutionState state;
  methods::MethodRegistry notify_methods = methods::standard_methods({});

  delivery::ExecutionStatus run(bool commit = true) {
    delivery::DeliveryContext ctx{msg, env, settings};
    ctx.notify_methods = &notify_methods;
    auto st = delivery::execute(actions, {}, state, commit, ctx, sim);
    if (auto committed = sim.commit(); !committed) st.errors.push_back(committed.error());
    return st;
  }
};

TEST_F(ExecutorTest, ImplicitKeepStoresIntoInbox) {
  EXPECT_TRUE(run().ok);
  ASSERT_EQ(sim.mailbox("INBOX")->size(), 1u);
  EXPECT_EQ(sim.mailbox("INBOX")->front().raw, kRaw);
}

TEST_F(ExecutorTest, FileintoMissingMailboxFailsAndKeeps) {
  ASSERT_FALSE(actions.fileinto({"Nowhere", {}, false, false, {}, {}}));
  const auto st = run();
  EXPECT_FALSE(st.ok);
  ASSERT_EQ(st.errors.size(), 1u);
  EXPECT_NE(st.errors[0].find("failed to store into mailbox 'Nowhere'"), std::string::npos);
  EXPECT_NE(st.errors[0].find("exist"), std::string::npos);
  EXPECT_EQ(sim.mailbox("INBOX")->size(), 1u);  // fallback keep
  EXPECT_FALSE(sim.mailbox("Nowhere"));
}

TEST_F(ExecutorTest, FileintoCreateAndFlags) {
  ASSERT_FALSE(actions.fileinto({"Lists", {"\\Seen"}, false, true, {}, {}}));
  EXPECT_TRUE(run().ok);
  ASSERT_TRUE(sim.mailbox("Lists"));
  ASSERT_EQ(sim.mailbox("Lists")->size(), 1u);
  EXPECT_EQ(sim.mailbox("Lists")->front().flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(sim.mailbox("INBOX")->size(), 0u);  // fileinto cancels the implicit keep
}

TEST_F(ExecutorTest, RedirectGoesToOutboxWithEnvelope) {
  ASSERT_FALSE(actions.redirect({"c@example.com", false}));
  EXPECT_TRUE(run().ok);
  ASSERT_EQ(sim.outbox().size(), 1u);
  const SentMessage& m = sim.outbox()[0];
  EXPECT_EQ(m.envelope_from, "a@example.org");
  EXPECT_EQ(m.rcpt, "c@example.com");
  EXPECT_EQ(m.raw.rfind("X-Sieve-Redirected-From: b@example.net\r\n", 0), 0u);
  EXPECT_EQ(sim.mailbox("INBOX")->size(), 0u);
}

TEST_F(ExecutorTest, RedirectEnvelopeSenderPolicies) {
  settings.values["redirect_envelope_from"] = " recipient ";
  ASSERT_FALSE(actions.redirect({"c@example.com", false}));
  run();
  EXPECT_EQ(sim.outbox().at(0).envelope_from, "b@example.net");
  env.from = "";  // the null sender stays null
  state = {};
  sim.clear_outbox();
  run();
  EXPECT_EQ(sim.outbox().at(0).envelope_from, "");
}

TEST_F(ExecutorTest, RedirectLoopIsNotSent) {
  msg = mail::Message("X-Sieve-Redirected-From: b@example.net\n" + std::string(kRaw));
  ASSERT_FALSE(actions.redirect({"c@example.com", false}));
  EXPECT_TRUE(run().ok);
  EXPECT_TRUE(sim.outbox().empty());
}

TEST_F(ExecutorTest, RejectSendsFromNullSenderToEnvelopeSender) {
  ASSERT_FALSE(actions.reject({"go away", false}));
  EXPECT_TRUE(run().ok);
  ASSERT_EQ(sim.outbox().size(), 1u);
  EXPECT_EQ(sim.outbox()[0].envelope_from, "");
  EXPECT_EQ(sim.outbox()[0].rcpt, "a@example.org");
  EXPECT_NE(sim.outbox()[0].raw.find("go away"), std::string::npos);
  EXPECT_NE(sim.outbox()[0].raw.find("postmaster@example.com"), std::string::npos);
}

TEST_F(ExecutorTest, ExecutionIsIncremental) {
  ASSERT_FALSE(actions.keep({}));
  EXPECT_TRUE(run().ok);
  ASSERT_FALSE(actions.fileinto({"INBOX.x", {}, false, true, {}, {}}));
  EXPECT_TRUE(run().ok);
  EXPECT_EQ(sim.mailbox("INBOX")->size(), 1u);  // keep not repeated
  EXPECT_EQ(sim.mailbox("INBOX.x")->size(), 1u);
}

TEST_F(ExecutorTest, DiscardStoresNothing) {
  ASSERT_FALSE(actions.discard());
  EXPECT_TRUE(run().ok);
  EXPECT_EQ(sim.mailbox("INBOX")->size(), 0u);
  EXPECT_TRUE(sim.outbox().empty());
}

TEST_F(ExecutorTest, NotifyFccFilesTheSentNotification) {
  interp::NotifyAction n;
  n.uri = "mailto:alert@example.com";
  n.method = "mailto";
  n.message = "You got mail";
  n.fcc = interp::FccTarget{"Sent", {"\\Seen"}, true, {}, {}};
  ASSERT_FALSE(actions.notify(n));
  EXPECT_TRUE(run().ok);
  ASSERT_EQ(sim.outbox().size(), 1u);
  const auto sent = sim.mailbox("Sent");
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->size(), 1u);
  EXPECT_EQ(sent->front().raw, sim.outbox()[0].raw);  // the very message sent
  EXPECT_EQ(sent->front().flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(sim.mailbox("INBOX")->size(), 1u);  // the implicit keep still happens
}

TEST_F(ExecutorTest, NotifyFccOfXmppFilesAMessageDescribingIt) {
  // The xmpp carrier itself is tested against Prosody (tests/integration);
  // here only what it was handed matters.
  struct Recording final : methods::Transport {
    Status send_mail(const methods::MailPayload&) override { return Status::success(); }
    Status send_xmpp(const methods::XmppPayload& p) override {
      stanzas.push_back(p);
      return Status::success();
    }
    Status send_http(const methods::HttpPayload&) override { return Status::success(); }
    std::vector<methods::XmppPayload> stanzas;
  } xmpp;
  interp::NotifyAction n;
  n.uri = "xmpp:bob@example.org";
  n.method = "xmpp";
  n.message = "Mail from a@example.org";
  n.fcc = interp::FccTarget{"Notes", {}, true, {}, {}};
  ASSERT_FALSE(actions.notify(n));
  delivery::DeliveryContext ctx{msg, env, settings};
  ctx.notify_transport = &xmpp;
  ctx.notify_methods = &notify_methods;
  auto st = delivery::execute(actions, {}, state, true, ctx, sim);
  ASSERT_TRUE(sim.commit().ok());
  EXPECT_TRUE(st.ok);
  ASSERT_EQ(xmpp.stanzas.size(), 1u);
  const auto notes = sim.mailbox("Notes");
  ASSERT_TRUE(notes);
  ASSERT_EQ(notes->size(), 1u);
  const std::string& copy = notes->front().raw;
  EXPECT_NE(copy.find("To: xmpp:bob@example.org\r\n"), std::string::npos) << copy;
  EXPECT_NE(copy.find("From: b@example.net\r\n"), std::string::npos) << copy;
  EXPECT_NE(copy.find("Auto-Submitted: auto-notified\r\n"), std::string::npos);
  EXPECT_NE(copy.find("\r\n\r\n" + xmpp.stanzas[0].body), std::string::npos) << copy;
}

TEST_F(ExecutorTest, NotifyFccIsNotFiledWhenNothingWasSent) {
  interp::NotifyAction n;  // xmpp without a configured carrier: not sent
  n.uri = "xmpp:bob@example.org";
  n.method = "xmpp";
  n.fcc = interp::FccTarget{"Notes", {}, true, {}, {}};
  ASSERT_FALSE(actions.notify(n));
  run();
  EXPECT_FALSE(sim.mailbox("Notes"));
}

TEST(MailSimulation, Mailboxes) {
  MailSimulation sim;
  EXPECT_TRUE(sim.mailbox_exists("INBOX"));
  EXPECT_TRUE(sim.mailbox_exists("inbox"));
  EXPECT_FALSE(sim.mailbox_exists("Other"));
  EXPECT_TRUE(sim.create_mailbox("Other").ok());
  EXPECT_TRUE(sim.create_mailbox("Other").ok());  // existing: fine
  EXPECT_TRUE(sim.mailbox_exists("Other"));
  EXPECT_FALSE(sim.store("Missing", {}, "x").ok());
  EXPECT_FALSE(sim.duplicate_seen("id"));
  sim.duplicate_mark("id", std::chrono::hours(1));
  EXPECT_FALSE(sim.duplicate_seen("id"));  // marks take effect on commit
  EXPECT_TRUE(sim.commit().ok());
  EXPECT_TRUE(sim.duplicate_seen("id"));
}

TEST(MailSimulation, LivesInATemporaryMaildir) {
  std::filesystem::path root;
  {
    MailSimulation sim;
    root = sim.maildir();
    EXPECT_TRUE(std::filesystem::is_directory(root / "cur"));
    EXPECT_TRUE(sim.create_mailbox("INBOX.Junk").ok());  // Pigeonhole's '.' separator
    EXPECT_TRUE(std::filesystem::is_directory(root / ".Junk" / "new"));
    const std::vector<std::string> flags{"\\Seen", "$Label1"};
    EXPECT_TRUE(sim.store("INBOX.Junk", flags, "Subject: x\n\nbody\n").ok());
    EXPECT_EQ(sim.mailbox("INBOX.Junk")->size(), 0u);  // staged, not yet visible
    EXPECT_TRUE(sim.commit().ok());
    const auto junk = sim.mailbox("INBOX.Junk");
    ASSERT_EQ(junk->size(), 1u);
    EXPECT_EQ(junk->front().raw, "Subject: x\n\nbody\n");
    // Read back in the canonical order (store::flags_from_file_name).
    EXPECT_EQ(junk->front().flags, (std::vector<std::string>{"$Label1", "\\Seen"}));
    EXPECT_FALSE(sim.store("a/b", {}, "x").ok());  // '/' is not allowed with '.'
  }
  EXPECT_FALSE(std::filesystem::exists(root));  // removed with the simulation
}

// Runs a .svtest text through the runner; returns its exit status.
int run_svtest(const std::string& text, bool expect_failure = false) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("zest-testsuite-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "t.svtest";
  std::ofstream(path) << text;
  interp::Registry registry;
  Options options;
  options.expect_failure = expect_failure;
  Suite suite(registry, path.string(), options);
  const int status = suite.run();
  std::filesystem::remove_all(dir);
  return status;
}

TEST(SuiteRun, PassingAndFailingTests) {
  EXPECT_EQ(
      run_svtest("require \"vnd.dovecot.testsuite\";\n"
                 "test \"a\" { if not header :is \"subject\" \"Frop!\" { test_fail \"x\"; } }\n"),
      0);
  EXPECT_EQ(run_svtest("require \"vnd.dovecot.testsuite\";\ntest \"a\" { test_fail \"boom\"; }\n"),
            1);
  EXPECT_EQ(
      run_svtest("require \"vnd.dovecot.testsuite\";\ntest \"a\" { test_fail \"boom\"; }\n", true),
      0);
}

TEST(SuiteRun, NestedTestIsACompileError) {
  EXPECT_EQ(run_svtest("require \"vnd.dovecot.testsuite\";\ntest \"a\" { test \"b\" { } }\n"), 1);
  // ... except in an `if false` body, which is not checked.
  EXPECT_EQ(run_svtest("require \"vnd.dovecot.testsuite\";\nif false { test \"b\" { } }\n"), 0);
}

TEST(SuiteRun, ExecuteAndInspectOutbox) {
  EXPECT_EQ(run_svtest("require \"vnd.dovecot.testsuite\";\nrequire \"envelope\";\n"
                       "test \"r\" {\n redirect \"x@example.net\";\n"
                       " if not test_result_execute { test_fail \"exec\"; }\n"
                       " test_message :smtp 0;\n"
                       " if not envelope :is \"to\" \"x@example.net\" { test_fail \"env\"; }\n"
                       " if test_message :smtp 1 { test_fail \"one only\"; }\n}\n"),
            0);
}

}  // namespace
}  // namespace zest::testsuite
