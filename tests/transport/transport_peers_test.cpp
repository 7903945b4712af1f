// The transports against real peers on 127.0.0.1, started by run_peers.py
// (which passes their ports in ZEST_* environment variables and spools what
// each peer received as JSON files): SMTP submission to aiosmtpd, signed
// webhooks over HTTP and HTTPS with the SSRF guard, XMPP to Prosody, Redis.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "transport/curl.hpp"
#include "transport/ext_lists.hpp"
#include "transport/http_client.hpp"
#include "transport/notify_transport.hpp"
#include "transport/redis_client.hpp"
#include "transport/smtp_submit.hpp"
#include "transport/webhook_signature.hpp"

namespace zest::transport {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Skips a test run without the driver (no peers to talk to).
#define NEED_PEERS() \
  if (env("ZEST_PEER_SPOOL").empty()) GTEST_SKIP() << "run through run_peers.py"

// What a peer received: the spooled JSON documents of one kind, in order.
// Waits (bounded) until at least `count` are there.
std::vector<json> received(const std::string& kind, std::size_t count,
                           std::chrono::seconds timeout = std::chrono::seconds(15)) {
  const fs::path dir = env("ZEST_PEER_SPOOL");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<json> out;
  while (true) {
    out.clear();
    for (std::size_t n = 1;; ++n) {
      std::ifstream in(dir / (kind + "-" + std::to_string(n) + ".json"));
      if (!in) break;
      out.push_back(json::parse(in));
    }
    if (out.size() >= count || std::chrono::steady_clock::now() > deadline) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string http_url(const char* port_var, const std::string& path, const char* scheme = "http") {
  return std::string(scheme) + "://127.0.0.1:" + env(port_var) + path;
}

HttpOptions http_options() {
  HttpOptions o;
  o.allow = {*parse_cidr("127.0.0.1/32")};
  o.ca_file = env("ZEST_HTTPS_CA");
  o.secret = env("ZEST_WEBHOOK_SECRET");
  o.timeout_seconds = 5;
  o.retry_delay_ms = 50;
  return o;
}

HttpPayload payload(const std::string& url, const std::string& id, const std::string& body) {
  HttpPayload p;
  p.url = url;
  p.event_id = id;
  p.body = body;
  p.headers = {{"Content-Type", "application/json"}, {"X-Test", "peers"}};
  return p;
}

// ---------------------------------------------------------------- SMTP

TEST(Smtp, SubmissionDeliversEnvelopeAndBody) {
  NEED_PEERS();
  SubmissionOptions o;
  o.url = "smtp://127.0.0.1:" + env("ZEST_SMTP_PORT");
  o.timeout_seconds = 10;
  CurlSender smtp(o);
  const std::size_t before = received("smtp", 0).size();
  // LF line ends and no final line end: sent as CRLF, ended by one.
  auto s = smtp.send("alice@example.org", "carol@example.net",
                     "From: alice@example.org\nTo: carol@example.net\nSubject: peers\n\nline 1\n"
                     ".dot line\nlast");
  ASSERT_TRUE(s) << s.error();
  auto got = received("smtp", before + 1);
  ASSERT_EQ(got.size(), before + 1);
  const json& m = got.back();
  EXPECT_EQ(m["mail_from"], "alice@example.org");
  EXPECT_EQ(m["rcpt_tos"], json::array({"carol@example.net"}));
  EXPECT_EQ(m["content"],
            "From: alice@example.org\r\nTo: carol@example.net\r\nSubject: peers\r\n\r\nline 1\r\n"
            ".dot line\r\nlast\r\n");
}

TEST(Smtp, NullSenderAndOneTransactionPerRecipient) {
  NEED_PEERS();
  SubmissionOptions o;
  o.url = "smtp://127.0.0.1:" + env("ZEST_SMTP_PORT");
  NotifyConfig config;
  config.submission = o;
  NetworkTransport network(config);
  const std::size_t before = received("smtp", 0).size();
  MailPayload p;
  p.rcpts = {"a@example.net", "b@example.net"};
  p.message = "Subject: two\r\n\r\nbody\r\n";
  auto s = network.send_mail(p);
  ASSERT_TRUE(s) << s.error();
  auto got = received("smtp", before + 2);
  ASSERT_EQ(got.size(), before + 2);
  EXPECT_EQ(got[before]["mail_from"], "<>");  // MAIL FROM:<>, as aiosmtpd writes it
  EXPECT_EQ(got[before]["rcpt_tos"], json::array({"a@example.net"}));
  EXPECT_EQ(got[before + 1]["rcpt_tos"], json::array({"b@example.net"}));
}

TEST(Smtp, RefusedConnectionIsAnError) {
  NEED_PEERS();
  SubmissionOptions o;
  o.url = "smtp://127.0.0.1:1";  // nothing listens on port 1
  o.timeout_seconds = 5;
  auto s = CurlSender(o).send("a@example.org", "b@example.org", "x");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().rfind("SMTP submission to smtp://127.0.0.1:1 failed: ", 0), 0u) << s.error();
}

TEST(Sendmail, ProgramGetsEnvelopeAndLfMessage) {
  NEED_PEERS();
  const fs::path dir = fs::path(env("ZEST_PEER_TMP")) / "sendmail";
  fs::create_directories(dir);
  const fs::path program = dir / "sendmail";
  {
    std::ofstream sh(program);
    sh << "#!/bin/sh\necho \"$@\" > " << (dir / "args").string() << "\ncat > "
       << (dir / "stdin").string() << "\n";
  }
  fs::permissions(program, fs::perms::owner_all);
  MailPayload p;
  p.rcpts = {"x@example.net"};
  p.message = "Subject: s\r\n\r\nbody\r\n";
  auto s = send_with_sendmail(p, program.string());
  ASSERT_TRUE(s) << s.error();
  std::ifstream args(dir / "args"), in(dir / "stdin");
  std::string a((std::istreambuf_iterator<char>(args)), {});
  std::string m((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(a, "-i -f <> -- x@example.net\n");
  EXPECT_EQ(m, "Subject: s\n\nbody\n");
}

// ------------------------------------------- [submission] TLS settings

SubmissionOptions starttls_options() {
  SubmissionOptions o;
  o.url = "smtp://127.0.0.1:" + env("ZEST_STARTTLS_PORT");
  o.username = "zest";
  o.password = "submit-pw";
  o.timeout_seconds = 10;
  return o;
}

const char* kSubmitted = "From: alice@example.org\nSubject: tls\n\nbody\n";

TEST(SubmissionTls, SelfSignedCertificateIsRefusedNamingCaFile) {
  NEED_PEERS();
  SubmissionOptions o = starttls_options();  // tls_verify defaults to true
  auto s = Submitter(o).send("alice@example.org", "bob@example.net", kSubmitted);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("certificate"), std::string::npos) << s.error();
  EXPECT_NE(s.error().find("[submission] ca_file"), std::string::npos) << s.error();
  EXPECT_NE(s.error().find("tls_verify = false"), std::string::npos) << s.error();
}

TEST(SubmissionTls, CaFileTrustsTheSelfSignedCertificate) {
  NEED_PEERS();
  SubmissionOptions o = starttls_options();
  o.ca_file = env("ZEST_HTTPS_CA");  // the sink's own certificate
  o.starttls = StartTls::Required;
  const std::size_t before = received("starttls", 0).size();
  auto s = Submitter(o).send("alice@example.org", "bob@example.net", kSubmitted);
  ASSERT_TRUE(s) << s.error();
  auto got = received("starttls", before + 1);
  ASSERT_EQ(got.size(), before + 1);
  EXPECT_EQ(got.back()["tls"], true);
  EXPECT_EQ(got.back()["auth"], true);
  EXPECT_EQ(got.back()["rcpt_tos"], json::array({"bob@example.net"}));
}

TEST(SubmissionTls, WrongCaFileNamesItself) {
  NEED_PEERS();
  SubmissionOptions o = starttls_options();
  o.ca_file = env("ZEST_XMPP_CA");  // a CA that did not sign the sink's certificate
  auto s = Submitter(o).send("alice@example.org", "bob@example.net", kSubmitted);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("not signed by [submission] ca_file " + o.ca_file), std::string::npos)
      << s.error();
}

TEST(SubmissionTls, TlsVerifyFalseAcceptsAnyCertificate) {
  NEED_PEERS();
  SubmissionOptions o = starttls_options();
  o.tls_verify = false;
  const std::size_t before = received("starttls", 0).size();
  auto s = Submitter(o).send("alice@example.org", "bob@example.net", kSubmitted);
  ASSERT_TRUE(s) << s.error();
  auto got = received("starttls", before + 1);
  ASSERT_EQ(got.size(), before + 1);
  EXPECT_EQ(got.back()["tls"], true);
}

TEST(SubmissionTls, StartTlsNoneSendsPlainText) {
  NEED_PEERS();
  SubmissionOptions o = starttls_options();
  o.username.clear();  // the sink offers AUTH only after STARTTLS
  o.starttls = StartTls::None;
  const std::size_t before = received("starttls", 0).size();
  auto s = Submitter(o).send("alice@example.org", "bob@example.net", kSubmitted);
  ASSERT_TRUE(s) << s.error();
  auto got = received("starttls", before + 1);
  ASSERT_EQ(got.size(), before + 1);
  EXPECT_EQ(got.back()["tls"], false);
}

TEST(SubmissionTls, RequiredFailsWithoutStartTlsOpportunisticSendsPlain) {
  NEED_PEERS();
  SubmissionOptions o;
  o.url = "smtp://127.0.0.1:" + env("ZEST_SMTP_PORT");  // no STARTTLS offered
  o.timeout_seconds = 10;
  o.starttls = StartTls::Required;
  auto s = Submitter(o).send("alice@example.org", "bob@example.net", kSubmitted);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("starttls is \"required\""), std::string::npos) << s.error();
  o.starttls = StartTls::Opportunistic;
  const std::size_t before = received("smtp", 0).size();
  auto ok = Submitter(o).send("alice@example.org", "bob@example.net", kSubmitted);
  ASSERT_TRUE(ok) << ok.error();
  auto got = received("smtp", before + 1);
  ASSERT_EQ(got.size(), before + 1);
  EXPECT_EQ(got.back()["tls"], false);
}

// ------------------------------------------- [submission] sendmail_path

fs::path script(const std::string& name, const std::string& body) {
  const fs::path dir = fs::path(env("ZEST_PEER_TMP")) / "sendmail";
  fs::create_directories(dir);
  const fs::path program = dir / name;
  {
    std::ofstream sh(program);
    sh << "#!/bin/sh\n" << body;
  }
  fs::permissions(program, fs::perms::owner_all);
  return program;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(SubmissionSendmail, SendmailPathReplacesSmtp) {
  NEED_PEERS();
  const fs::path dir = fs::path(env("ZEST_PEER_TMP")) / "sendmail";
  const fs::path program = script("submit-ok", "for a in \"$@\"; do printf '[%s]' \"$a\"; done > " +
                                                   (dir / "submit-args").string() + "\ncat > " +
                                                   (dir / "submit-stdin").string() + "\n");
  SubmissionOptions o;
  o.url = "smtp://127.0.0.1:1";  // never contacted
  o.sendmail_path = program.string();
  // A recipient that looks like an option and one with shell syntax: both
  // reach the program as they are (no shell, after "--").
  auto s = Submitter(o).send("alice@example.org", "-oi;$(touch x)@example.net",
                             "Subject: s\r\n\r\n.\r\nbody");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(slurp(dir / "submit-args"),
            "[-i][-f][alice@example.org][--][-oi;$(touch x)@example.net]");
  EXPECT_EQ(slurp(dir / "submit-stdin"), "Subject: s\n\n.\nbody\n");
}

TEST(SubmissionSendmail, FailureCarriesExitStatusAndFirstErrorLine) {
  NEED_PEERS();
  const fs::path program =
      script("submit-fail", "cat >/dev/null\necho 'sendmail: fatal: no such user' >&2\nexit 75\n");
  SubmissionOptions o;
  o.sendmail_path = program.string();
  auto s = Submitter(o).send("", "bob@example.net", "Subject: s\n\nbody\n");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("exit status 75"), std::string::npos) << s.error();
  EXPECT_NE(s.error().find("sendmail: fatal: no such user"), std::string::npos) << s.error();
}

TEST(SubmissionSendmail, ProgramThatStopsReadingIsAFailureNotACrash) {
  NEED_PEERS();
  const fs::path program = script("submit-early", "exit 0\n");
  SubmissionOptions o;
  o.sendmail_path = program.string();
  // Far more than a socket buffer: the writer meets a closed reader.
  const std::string big = "Subject: big\n\n" + std::string(4 << 20, 'x') + "\n";
  auto s = Submitter(o).send("a@example.org", "b@example.net", big);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("did not read the whole message"), std::string::npos) << s.error();
}

TEST(SubmissionSendmail, MissingProgramIsAnError) {
  NEED_PEERS();
  SubmissionOptions o;
  o.sendmail_path = (fs::path(env("ZEST_PEER_TMP")) / "no-such-sendmail").string();
  auto s = Submitter(o).send("a@example.org", "b@example.net", "x\n");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("cannot run"), std::string::npos) << s.error();
}

TEST(SubmissionSendmail, HungProgramIsKilledAfterTheTimeout) {
  NEED_PEERS();
  const fs::path program = script("submit-hang", "cat >/dev/null\nexec sleep 600\n");
  SubmissionOptions o;
  o.sendmail_path = program.string();
  o.timeout_seconds = 1;
  auto s = Submitter(o).send("a@example.org", "b@example.net", "x\n");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("did not finish within 1 seconds (killed)"), std::string::npos)
      << s.error();
}

TEST(SubmissionSendmail, NotificationsUseSendmailPathToo) {
  NEED_PEERS();
  const fs::path dir = fs::path(env("ZEST_PEER_TMP")) / "sendmail";
  const fs::path program =
      script("notify-ok", "echo \"$@\" >> " + (dir / "notify-args").string() + "\n");
  NotifyConfig config;
  config.submission.url = "smtp://127.0.0.1:1";
  config.submission.sendmail_path = program.string();
  NetworkTransport network(config);
  MailPayload p;
  p.envelope_from = "alice@example.org";
  p.rcpts = {"a@example.net", "b@example.net"};
  p.message = "Subject: n\r\n\r\nbody\r\n";
  auto s = network.send_mail(p);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(slurp(dir / "notify-args"), "-i -f alice@example.org -- a@example.net b@example.net\n");
}

// ------------------------------------------------------------- webhooks

void expect_signed_post(const json& r, const std::string& path, const std::string& id,
                        const std::string& body) {
  EXPECT_EQ(r["path"], path);
  EXPECT_EQ(r["body"], body);
  EXPECT_EQ(r["headers"]["webhook-id"], id);
  EXPECT_EQ(r["headers"]["content-type"], "application/json");
  EXPECT_EQ(r["headers"]["x-test"], "peers");
  EXPECT_TRUE(r["signature_valid"]) << r.dump();
  const long ts = std::stol(r["headers"]["webhook-timestamp"].get<std::string>());
  EXPECT_LT(std::labs(ts - static_cast<long>(std::time(nullptr))), 60);
}

// One notification to the receiver `kind` ("http" or "https"): delivered
// once, signed, with the payload as sent.
void sends_one_signed_post(const std::string& kind, const std::string& path) {
  const bool tls = kind == "https";
  const std::string url = http_url(tls ? "ZEST_HTTPS_PORT" : "ZEST_HTTP_PORT", path, kind.c_str());
  const std::string id = "evt_" + kind, body = "{\"kind\":\"" + kind + "\"}";
  const std::size_t before = received(kind, 0).size();
  auto s = send_http_notification(payload(url, id, body), http_options(), !tls);
  ASSERT_TRUE(s) << s.error();
  auto got = received(kind, before + 1);
  ASSERT_EQ(got.size(), before + 1);
  expect_signed_post(got.back(), path, id, body);
}

TEST(Webhook, HttpArrivesSigned) {
  NEED_PEERS();
  sends_one_signed_post("http", "/hook?u=alice");
}

TEST(Webhook, HttpsArrivesSignedWithThePrivateCa) {
  NEED_PEERS();
  sends_one_signed_post("https", "/tls");
}

TEST(Webhook, HttpsWithoutTheCaIsRefusedAndNotRetried) {
  NEED_PEERS();
  HttpOptions o = http_options();
  o.ca_file.clear();  // the system's CAs only: none signed the receiver's certificate
  auto s = send_http_notification(
      payload(http_url("ZEST_HTTPS_PORT", "/untrusted", "https"), "evt_x", "{}"), o, false);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().find("gave up"), std::string::npos) << s.error();  // not retried
}

TEST(Webhook, FailedAttemptIsRetriedWithTheSameId) {
  NEED_PEERS();
  const std::size_t before = received("http", 0).size();
  auto s = send_http_notification(
      payload(http_url("ZEST_HTTP_PORT", "/fail-once"), "evt_retry", "{\"r\":1}"), http_options(),
      true);
  ASSERT_TRUE(s) << s.error();
  auto got = received("http", before + 2);
  ASSERT_EQ(got.size(), before + 2);
  EXPECT_EQ(got[before]["status"], 500);
  EXPECT_EQ(got[before + 1]["status"], 200);
  for (std::size_t i = before; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["headers"]["webhook-id"], "evt_retry");
    EXPECT_TRUE(got[i]["signature_valid"]);
  }
}

TEST(Webhook, ClientErrorIsNotRetried) {
  NEED_PEERS();
  const std::size_t before = received("http", 0).size();
  auto s = send_http_notification(
      payload(http_url("ZEST_HTTP_PORT", "/status/404"), "evt_404", "{}"), http_options(), true);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), "POST " + http_url("ZEST_HTTP_PORT", "/status/404") + ": HTTP status 404");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(received("http", 0).size(), before + 1);
}

TEST(Webhook, SsrfGuardRefusesInternalAddressesUnlessAllowed) {
  NEED_PEERS();
  const std::size_t before = received("http", 0).size();
  HttpOptions o = http_options();
  o.allow.clear();
  auto s = send_http_notification(
      payload(http_url("ZEST_HTTP_PORT", "/guarded"), "evt_guard", "{}"), o, true);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), "refused: 127.0.0.1 is an internal address (not in [notify.http] allow)");
  // By name: localhost resolves to loopback, refused as a whole.
  s = send_http_notification(
      payload("http://localhost:" + env("ZEST_HTTP_PORT") + "/guarded", "evt_guard", "{}"), o,
      true);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().rfind("refused: localhost resolves to internal address ", 0), 0u)
      << s.error();
  // Nothing reached the receiver; with the allow entry the same call does.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(received("http", 0).size(), before);
  s = send_http_notification(payload(http_url("ZEST_HTTP_PORT", "/guarded"), "evt_guard", "{}"),
                             http_options(), true);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(received("http", before + 1).size(), before + 1);
}

TEST(Webhook, UnguardedParallelPostsAsTheEventSinkSendsThem) {
  NEED_PEERS();
  const std::size_t before = received("http", 0).size();
  EndpointPolicy sink;
  sink.allow_http = true;
  sink.guard = false;  // an event sink: the administrator's own URL
  auto ok = http_endpoint(http_url("ZEST_HTTP_PORT", "/events"), sink);
  auto busy = http_endpoint(http_url("ZEST_HTTP_PORT", "/retry-after"), sink);
  ASSERT_TRUE(ok && busy);
  HttpSettings settings;
  settings.key = webhook_key(env("ZEST_WEBHOOK_SECRET"));
  settings.timeout_seconds = 5;
  ParallelPosts posts;
  std::map<ParallelPosts::Id, std::string> ids;
  for (int i = 0; i < 3; ++i) {
    WebhookRequest r{{"Content-Type: application/json", "X-Test: peers"},
                     "evt_p" + std::to_string(i),
                     "{\"i\":" + std::to_string(i) + "}"};
    ids[posts.start(HttpPost(*ok, std::move(r), settings))] = "ok";
  }
  ids[posts.start(HttpPost(*busy, {{}, "evt_busy", "{}"}, settings))] = "busy";
  std::vector<ParallelPosts::Finished> done;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (done.size() < ids.size() && std::chrono::steady_clock::now() < deadline)
    for (auto& f : posts.wait(std::chrono::milliseconds(500))) done.push_back(std::move(f));
  ASSERT_EQ(done.size(), ids.size());
  for (const auto& f : done) {
    if (ids[f.id] == "ok") {
      EXPECT_TRUE(f.result.delivered);
      EXPECT_EQ(f.result.status, 200);
    } else {
      EXPECT_FALSE(f.result.delivered);
      EXPECT_FALSE(f.result.transfer_error);
      EXPECT_EQ(f.result.status, 429);
      EXPECT_TRUE(f.result.retryable_status());
      EXPECT_EQ(f.result.retry_after, " 7\r\n");
    }
  }
  auto got = received("http", before + 4);
  ASSERT_EQ(got.size(), before + 4);
  for (std::size_t i = before; i < got.size(); ++i) EXPECT_TRUE(got[i]["signature_valid"]);
}

TEST(Webhook, RefusedConnectionIsATransferError) {
  NEED_PEERS();
  EndpointPolicy sink;
  sink.allow_http = true;
  sink.guard = false;
  auto e = http_endpoint("http://127.0.0.1:1/", sink);
  ASSERT_TRUE(e);
  const PostResult r = HttpPost(*e, {{}, "evt_down", "{}"}, HttpSettings{}).perform();
  EXPECT_FALSE(r.delivered);
  ASSERT_TRUE(r.transfer_error);
  EXPECT_FALSE(r.permanent_transfer_error);
  EXPECT_EQ(r.status, 0);
}

// ----------------------------------------------------------------- XMPP

XmppOptions xmpp_options() {
  XmppOptions o;
  o.jid = "notify@localhost";
  o.password = "notifypw";
  o.host = "127.0.0.1";
  o.port = static_cast<std::uint16_t>(std::stoi(env("ZEST_XMPP_PORT")));
  o.ca_file = env("ZEST_XMPP_CA");
  o.timeout_seconds = 15;
  return o;
}

TEST(Xmpp, MessageReachesTheOnlineAccount) {
  NEED_PEERS();
  const std::size_t before = received("xmpp", 0).size();
  XmppPayload p;
  p.to = "alice@localhost";
  p.subject = "Peers";
  p.body = "Hello from transport_peers_test";
  p.shim = {{"Urgency", "high"}};
  auto s = send_xmpp_notification(p, xmpp_options());
  ASSERT_TRUE(s) << s.error();
  auto got = received("xmpp", before + 1);
  ASSERT_EQ(got.size(), before + 1);
  const std::string stanza = got.back()["stanza"];
  EXPECT_NE(stanza.find("Hello from transport_peers_test"), std::string::npos) << stanza;
  EXPECT_NE(stanza.find("<subject>Peers</subject>"), std::string::npos) << stanza;
  EXPECT_NE(stanza.find("notify@localhost"), std::string::npos) << stanza;
  EXPECT_NE(stanza.find("Urgency"), std::string::npos) << stanza;
}

TEST(Xmpp, WrongPasswordIsAnError) {
  NEED_PEERS();
  XmppOptions o = xmpp_options();
  o.password = "wrong";
  XmppPayload p;
  p.to = "alice@localhost";
  p.body = "never";
  auto s = send_xmpp_notification(p, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("XMPP"), std::string::npos) << s.error();
}

// ---------------------------------------------------------------- Redis

RedisEndpoint redis_endpoint() {
  auto e = parse_redis_url("redis://:" + env("ZEST_REDIS_PASSWORD") +
                           "@127.0.0.1:" + env("ZEST_REDIS_PORT") + "/3");
  EXPECT_TRUE(e);
  return *e;
}

TEST(Redis, EntryWrittenIsReturnedByTheServer) {
  NEED_PEERS();
  RedisClient writer(redis_endpoint(), 5);
  ASSERT_TRUE(writer.connect());
  auto id = writer.command(
      {"XADD", "zest:peers", "*", "id", "evt_redis", "event", "{\"a\":\"\xc3\xa9\"}"});
  ASSERT_TRUE(id) << id.error();
  ASSERT_EQ(id->type, RedisReply::Type::String);
  // A second connection (same database 3) reads it back.
  RedisClient reader(redis_endpoint(), 5);
  ASSERT_TRUE(reader.connect());
  auto r = reader.command({"XRANGE", "zest:peers", "-", "+"});
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->type, RedisReply::Type::Array);
  ASSERT_EQ(r->elements.size(), 1u);
  const RedisReply& entry = r->elements[0];
  ASSERT_EQ(entry.elements.size(), 2u);
  EXPECT_EQ(entry.elements[0].text, id->text);
  std::vector<std::string> fields;
  for (const auto& f : entry.elements[1].elements) fields.push_back(f.text);
  EXPECT_EQ(fields, (std::vector<std::string>{"id", "evt_redis", "event", "{\"a\":\"\xc3\xa9\"}"}));
  auto len = reader.command({"XLEN", "zest:peers"});
  ASSERT_TRUE(len);
  EXPECT_EQ(len->type, RedisReply::Type::Integer);
  EXPECT_EQ(len->integer, 1);
  // Database 0 does not have it: SELECT took effect.
  RedisEndpoint db0 = redis_endpoint();
  db0.db = 0;
  RedisClient other(db0, 5);
  ASSERT_TRUE(other.connect());
  auto none = other.command({"XLEN", "zest:peers"});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->integer, 0);
}

TEST(Redis, ErrorsAreValues) {
  NEED_PEERS();
  RedisEndpoint wrong = redis_endpoint();
  wrong.password = "wrong";
  RedisClient c(wrong, 5);
  auto s = c.connect();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().rfind("redis: ", 0), 0u) << s.error();
  EXPECT_FALSE(c.connected());
  RedisClient ok(redis_endpoint(), 5);
  ASSERT_TRUE(ok.connect());
  auto bad = ok.command({"NO-SUCH-COMMAND"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().rfind("redis: ERR", 0), 0u) << bad.error();
  RedisEndpoint down = redis_endpoint();
  down.port = 1;
  RedisClient d(down, 2);
  auto refused = d.connect();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().rfind("redis 127.0.0.1:1: ", 0), 0u) << refused.error();
}

// RFC 6134 lists backed by a Redis set ([sieve.lists."..."] redis + key).
TEST(Redis, ExtListIsASet) {
  NEED_PEERS();
  RedisClient admin(redis_endpoint(), 5);
  ASSERT_TRUE(admin.connect());
  ASSERT_TRUE(admin.command({"DEL", "zest:peers:friends"}));
  auto added = admin.command({"SADD", "zest:peers:friends", "alice@example.com", "bob@example.com",
                              "\xc3\xa9@example.com"});
  ASSERT_TRUE(added) << added.error();
  const std::string url =
      "redis://:" + env("ZEST_REDIS_PASSWORD") + "@127.0.0.1:" + env("ZEST_REDIS_PORT") + "/3";
  ASSERT_TRUE(check_ext_list_source("redis:" + url + "#zest:peers:friends"));
  ExtLists lists(
      {{"urn:ietf:params:sieve:addrbook:friends", "redis:" + url + "#zest:peers:friends"},
       {"tag:example.com,2026:down", "redis:redis://127.0.0.1:1/0#k"}},
      2);
  const std::string friends = "urn:ietf:params:sieve:addrbook:friends";
  auto yes = lists.contains(friends, "bob@example.com");
  ASSERT_TRUE(yes) << yes.error();
  EXPECT_TRUE(*yes);
  auto no = lists.contains(friends, "BOB@example.com");  // exact, as Pigeonhole
  ASSERT_TRUE(no) << no.error();
  EXPECT_FALSE(*no);
  EXPECT_TRUE(*lists.contains(friends, "\xc3\xa9@example.com"));
  auto members = lists.members(friends);
  ASSERT_TRUE(members) << members.error();
  std::sort(members->begin(), members->end());
  EXPECT_EQ(*members, (std::vector<std::string>{"alice@example.com", "bob@example.com",
                                                "\xc3\xa9@example.com"}));
  // Read live: a member added later is seen by the same ExtLists.
  ASSERT_TRUE(admin.command({"SADD", "zest:peers:friends", "carol@example.com"}));
  EXPECT_TRUE(*lists.contains(friends, "carol@example.com"));
  // A server that is down is an error value, not "not a member".
  auto down = lists.contains("tag:example.com,2026:down", "x");
  ASSERT_FALSE(down);
  EXPECT_NE(down.error().find("127.0.0.1:1"), std::string::npos) << down.error();
  ASSERT_FALSE(lists.members("tag:example.com,2026:down"));
  ASSERT_FALSE(check_ext_list_source("redis:redis://127.0.0.1:1/0"));  // no #KEY
}

}  // namespace
}  // namespace zest::transport

int main(int argc, char** argv) {
  const zest::transport::CurlGlobal curl;
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
