// Transcript tests of the ManageSieve session: bytes in, exact bytes out,
// over a real script store in a temporary home and GNU SASL.
#include <gsasl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "base/base64.hpp"
#include "base/ip_address.hpp"
#include "interp/registry.hpp"
#include "manage-sieve/driver.hpp"
#include "manage-sieve/script_check.hpp"
#include "manage-sieve/session.hpp"
#include "store/passwd.hpp"

namespace ms = zest::managesieve;
namespace fs = std::filesystem;

namespace {

class TestBackend : public ms::Backend {
 public:
  explicit TestBackend(fs::path home) : home_(std::move(home)) {}
  std::unique_ptr<zest::store::ScriptStore> open_store(std::string_view) override {
    if (refuse_store) return nullptr;
    return std::make_unique<zest::store::FsScriptStore>(zest::store::SieveHome{home_}, quota);
  }
  ms::CheckResult check(std::string_view name, std::string_view source) override {
    return ms::compile_script(name, source, registry_, settings_);
  }
  zest::store::ScriptQuota quota{3, 1000, 1500};
  bool refuse_store = false;  // the user's storage cannot be opened

 private:
  fs::path home_;
  zest::interp::Registry registry_;
  zest::interp::EngineSettings settings_;
};

const std::string kPlainAuth = "AUTHENTICATE \"PLAIN\" \"AGFsaWNlAHNlY3JldA==\"\r\n";

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home = fs::temp_directory_path() /
           ("zest-ms-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home);
    fs::create_directories(home);
    backend = std::make_unique<TestBackend>(home);
    // carol has only SCRAM-SHA-256 keys, as `zest user add --scheme SCRAM-SHA-256` writes.
    auto carol = zest::store::hash_password("SCRAM-SHA-256", "pencil");
    ASSERT_TRUE(carol.ok());
    auto s = ms::make_gsasl_server(
        [carol = *carol](std::string_view user) -> std::optional<std::string> {
          if (user == "alice") return std::string("{PLAIN}secret");
          if (user == "bob") return std::string("{PLAIN}bobpw");
          if (user == "carol") return carol;
          return std::nullopt;
        });
    ASSERT_TRUE(s.ok());
    sasl = std::move(*s);
    ms::LoginGuard::Options go;
    go.base_delay = std::chrono::milliseconds(100);
    guard = std::make_unique<ms::LoginGuard>(go);
  }
  void TearDown() override { fs::remove_all(home); }

  void open(ms::Options o = {}, std::string address = "192.0.2.1") {
    o.implementation = "zest test";
    o.sieve_extensions = {"fileinto", "enotify"};
    o.notify_methods = {"mailto"};
    o.max_script_size = 1000;
    session = std::make_unique<ms::Session>(*backend, *sasl, *guard, o, std::move(address));
    driver = std::make_unique<ms::ByteDriver>(*session, 200);
    greeting = driver->greeting();
  }
  void login() {
    open(loopback());
    ASSERT_EQ(driver->feed(kPlainAuth), "OK\r\n");
  }
  static ms::Options loopback() {
    ms::Options o;
    o.loopback = true;
    return o;
  }
  std::string feed(std::string_view s) { return driver->feed(s); }

  fs::path home;
  std::unique_ptr<TestBackend> backend;
  std::unique_ptr<ms::SaslServer> sasl;
  std::unique_ptr<ms::LoginGuard> guard;
  std::unique_ptr<ms::Session> session;
  std::unique_ptr<ms::ByteDriver> driver;
  std::string greeting;
};

TEST_F(SessionTest, GreetingEndsWithBareOk) {
  ms::Options o;
  o.tls_available = true;
  open(o);
  EXPECT_EQ(greeting,
            "\"IMPLEMENTATION\" \"zest test\"\r\n"
            "\"SASL\" \"SCRAM-SHA-256 SCRAM-SHA-1\"\r\n"
            "\"SIEVE\" \"fileinto enotify\"\r\n"
            "\"NOTIFY\" \"mailto\"\r\n"
            "\"MAXREDIRECTS\" \"4\"\r\n"
            "\"STARTTLS\"\r\n"
            "\"UNAUTHENTICATE\"\r\n"
            "\"VERSION\" \"1.0\"\r\n"
            "OK\r\n");
  EXPECT_EQ(feed("capability\r\n"), greeting);
}

TEST_F(SessionTest, PlainNeedsTlsOrLoopback) {
  open();
  EXPECT_EQ(feed(kPlainAuth),
            "NO (ENCRYPT-NEEDED) \"PLAIN needs TLS (use STARTTLS) or SCRAM\"\r\n");
  ms::Options o;
  o.allow_plaintext_auth = true;
  open(o);
  EXPECT_NE(greeting.find("\"SASL\" \"SCRAM-SHA-256 SCRAM-SHA-1 PLAIN\""), std::string::npos);
  EXPECT_EQ(feed(kPlainAuth), "OK\r\n");
}

TEST_F(SessionTest, StartTlsResendsCapabilitiesAndDropsBufferedInput) {
  ms::Options o;
  o.tls_available = true;
  open(o);
  EXPECT_EQ(feed("STARTTLS\r\nLISTSCRIPTS\r\n"), "OK\r\n");
  EXPECT_TRUE(driver->tls_requested());
  const std::string caps = driver->tls_done();
  EXPECT_EQ(caps.find("STARTTLS"), std::string::npos);
  EXPECT_NE(caps.find("PLAIN"), std::string::npos);
  EXPECT_TRUE(caps.ends_with("\"VERSION\" \"1.0\"\r\nOK\r\n"));
  EXPECT_EQ(feed("STARTTLS\r\n"), "NO \"TLS is already active\"\r\n");
  EXPECT_EQ(feed(kPlainAuth), "OK\r\n");
  EXPECT_NE(feed("CAPABILITY\r\n").find("\"OWNER\" \"alice\"\r\n"), std::string::npos);
}

TEST_F(SessionTest, StartTlsUnavailable) {
  open();
  EXPECT_EQ(feed("STARTTLS\r\n"), "NO \"TLS is not available\"\r\n");
}

TEST_F(SessionTest, PlainWithoutInitialResponseAndCancel) {
  open(loopback());
  EXPECT_EQ(feed("AUTHENTICATE \"PLAIN\"\r\n"), "\"\"\r\n");
  EXPECT_EQ(feed("\"*\"\r\n"), "NO \"Authentication cancelled\"\r\n");
  EXPECT_EQ(feed("AUTHENTICATE \"PLAIN\"\r\n"), "\"\"\r\n");
  EXPECT_EQ(feed("{20+}\r\nAGFsaWNlAHNlY3JldA==\r\n"), "OK\r\n");
  EXPECT_EQ(feed(kPlainAuth), "NO \"Already authenticated\"\r\n");
}

TEST_F(SessionTest, FailedLoginsAreDelayedCountedAndEndInBye) {
  open(loopback());
  const std::string bad = "AUTHENTICATE \"PLAIN\" \"AGFsaWNlAHdyb25n\"\r\n";  // alice/wrong
  EXPECT_EQ(feed(bad), "NO \"Authentication failed\"\r\n");
  EXPECT_EQ(driver->total_delay(), std::chrono::milliseconds(100));
  EXPECT_EQ(feed(bad), "NO \"Authentication failed\"\r\n");
  EXPECT_EQ(driver->total_delay(), std::chrono::milliseconds(300));  // doubled
  EXPECT_EQ(feed(bad), "BYE \"Too many failed authentication attempts\"\r\n");
  EXPECT_TRUE(driver->closed());
  EXPECT_EQ(guard->failures("192.0.2.1", "alice"), 3u);
  // Another connection from the address starts at the raised delay.
  open(loopback());
  feed(bad);
  EXPECT_EQ(driver->total_delay(), std::chrono::milliseconds(800));
  EXPECT_EQ(feed("AUTHENTICATE \"PLAIN\" \"!!\"\r\n"),
            "NO \"Invalid base64 in initial response\"\r\n");
  EXPECT_EQ(feed("AUTHENTICATE \"DIGEST-MD5\"\r\n"),
            "NO \"Unsupported authentication mechanism\"\r\n");
}

TEST_F(SessionTest, FailedLoginsCountPerUserAcrossAddresses) {
  const std::string alice_bad = "AUTHENTICATE \"PLAIN\" \"AGFsaWNlAHdyb25n\"\r\n";
  const std::string bob_bad = "AUTHENTICATE \"PLAIN\" \"AGJvYgB3cm9uZw==\"\r\n";
  open(loopback(), "192.0.2.1");
  EXPECT_EQ(feed(alice_bad), "NO \"Authentication failed\"\r\n");
  EXPECT_EQ(feed(alice_bad), "NO \"Authentication failed\"\r\n");
  EXPECT_EQ(driver->total_delay(), std::chrono::milliseconds(300));  // 100 + 200
  // From a fresh address alice's count goes on (third failure: 4 x 100 ms) ...
  open(loopback(), "198.51.100.7");
  EXPECT_EQ(feed(alice_bad), "NO \"Authentication failed\"\r\n");
  EXPECT_EQ(driver->total_delay(), std::chrono::milliseconds(400));
  EXPECT_EQ(guard->failures("198.51.100.8", "alice"), 3u);
  // ... while another user from another fresh address starts at the base delay.
  open(loopback(), "203.0.113.9");
  EXPECT_EQ(feed(bob_bad), "NO \"Authentication failed\"\r\n");
  EXPECT_EQ(driver->total_delay(), std::chrono::milliseconds(100));
  EXPECT_EQ(guard->failures("203.0.113.10", "bob"), 1u);
  // A successful login forgets the user's failures (and the address's).
  open(loopback(), "203.0.113.10");
  EXPECT_EQ(feed(kPlainAuth), "OK\r\n");
  EXPECT_EQ(driver->total_delay(), std::chrono::milliseconds(0));
  EXPECT_EQ(guard->failures("203.0.113.11", "alice"), 0u);
  EXPECT_EQ(guard->failures("192.0.2.1", ""), 2u);  // that address still has its own count
}

TEST_F(SessionTest, ScramSha256WithStoredKeysEndsInSaslCode) {
  struct CtxDone {
    void operator()(Gsasl* c) const { gsasl_done(c); }
  };
  struct SessionDone {
    void operator()(Gsasl_session* s) const { gsasl_finish(s); }
  };
  auto quoted = [](const std::string& line) {  // "\"<b64>\"\r\n" -> <b64>
    const auto a = line.find('"'), b = line.rfind('"');
    return a == std::string::npos || b <= a ? std::string() : line.substr(a + 1, b - a - 1);
  };
  auto login_as = [&](const char* mech, const char* user, const char* pw,
                      std::string& last) -> int {
    Gsasl* raw_ctx = nullptr;
    EXPECT_EQ(gsasl_init(&raw_ctx), GSASL_OK);
    std::unique_ptr<Gsasl, CtxDone> ctx(raw_ctx);
    Gsasl_session* raw = nullptr;
    EXPECT_EQ(gsasl_client_start(ctx.get(), mech, &raw), GSASL_OK);
    std::unique_ptr<Gsasl_session, SessionDone> client(raw);
    gsasl_property_set(client.get(), GSASL_AUTHID, user);
    gsasl_property_set(client.get(), GSASL_PASSWORD, pw);
    char* out = nullptr;
    EXPECT_EQ(gsasl_step64(client.get(), "", &out), GSASL_NEEDS_MORE);
    std::string line = feed("AUTHENTICATE \"" + std::string(mech) + "\" \"" + out + "\"\r\n");
    gsasl_free(out);
    if (!line.starts_with("\"")) {
      last = line;
      return GSASL_AUTHENTICATION_ERROR;
    }
    EXPECT_EQ(gsasl_step64(client.get(), quoted(line).c_str(), &out), GSASL_NEEDS_MORE);
    last = feed("\"" + std::string(out) + "\"\r\n");
    gsasl_free(out);
    if (!last.starts_with("OK (SASL ")) return GSASL_AUTHENTICATION_ERROR;
    // The server's signature (RFC 5802 v=) proves it knew the keys.
    const int rc = gsasl_step64(client.get(), quoted(last).c_str(), &out);
    gsasl_free(out);
    return rc;
  };
  open();  // no TLS, not loopback: SCRAM is offered anyway
  std::string last;
  EXPECT_EQ(login_as("SCRAM-SHA-256", "carol", "pencil", last), GSASL_OK) << last;
  EXPECT_TRUE(last.starts_with("OK (SASL \"")) << last;
  EXPECT_TRUE(last.ends_with("\")\r\n")) << last;  // nothing after the code
  EXPECT_TRUE(session->authenticated());
  EXPECT_EQ(session->user(), "carol");
  open();
  EXPECT_NE(login_as("SCRAM-SHA-256", "carol", "pencils", last), GSASL_OK);
  EXPECT_EQ(last, "NO \"Authentication failed\"\r\n");
  // SHA-256 keys cannot serve SCRAM-SHA-1.
  open();
  EXPECT_NE(login_as("SCRAM-SHA-1", "carol", "pencil", last), GSASL_OK);
  EXPECT_TRUE(last.starts_with("NO ")) << last;
  // PLAIN (from loopback) verifies against the stored keys too.
  open(loopback());
  EXPECT_EQ(feed("AUTHENTICATE \"PLAIN\" \"AGNhcm9sAHBlbmNpbA==\"\r\n"), "OK\r\n");
}

TEST_F(SessionTest, TryLaterWhenTheScriptStorageFails) {
  // Credentials fine, storage unavailable: a temporary NO, not a failed login.
  backend->refuse_store = true;
  open(loopback());
  EXPECT_EQ(feed(kPlainAuth), "NO (TRYLATER) \"Cannot open the script storage\"\r\n");
  EXPECT_FALSE(session->authenticated());
  EXPECT_EQ(guard->failures("192.0.2.1", "alice"), 0u);
  backend->refuse_store = false;
  EXPECT_EQ(feed(kPlainAuth), "OK\r\n");
  // The storage breaks under a logged-in session: its directory is a file.
  fs::remove_all(home / "sieve");
  std::ofstream(home / "sieve") << "not a directory";
  const std::string list = feed("LISTSCRIPTS\r\n");
  EXPECT_TRUE(list.starts_with("NO (TRYLATER) ")) << list;
  const std::string put = feed("PUTSCRIPT \"a\" \"keep;\"\r\n");
  EXPECT_TRUE(put.starts_with("NO (TRYLATER) ")) << put;
  EXPECT_EQ(feed("NOOP\r\n"), "OK\r\n");  // the session goes on
}

TEST_F(SessionTest, CommandsBeforeLoginAndUnknown) {
  open(loopback());
  for (const char* c : {"LISTSCRIPTS", "GETSCRIPT \"a\"", "SETACTIVE \"a\"", "DELETESCRIPT \"a\"",
                        "RENAMESCRIPT \"a\" \"b\"", "HAVESPACE \"a\" 1", "CHECKSCRIPT \"keep;\""})
    EXPECT_EQ(feed(std::string(c) + "\r\n"), "NO \"Authenticate first\"\r\n") << c;
  EXPECT_EQ(feed("PUTSCRIPT \"a\" {5+}\r\nkeep;\r\n"), "NO \"Authenticate first\"\r\n");
  EXPECT_EQ(feed("FROB\r\n"), "NO \"Unknown command\"\r\n");
  EXPECT_EQ(feed("UNAUTHENTICATE\r\n"), "NO \"Not authenticated\"\r\n");
  EXPECT_EQ(feed("\r\n"), "NO \"Empty command\"\r\n");
  EXPECT_EQ(feed("NOOP\r\n"), "OK\r\n");
  EXPECT_EQ(feed("NOOP \"t1\"\r\n"), "OK (TAG \"t1\") \"Done\"\r\n");
}

TEST_F(SessionTest, ScriptLifeCycle) {
  login();
  EXPECT_EQ(feed("LISTSCRIPTS\r\n"), "OK\r\n");
  EXPECT_EQ(feed("HAVESPACE \"main\" 100\r\n"), "OK\r\n");
  EXPECT_EQ(feed("PUTSCRIPT \"main\" {5+}\r\nkeep;\r\n"), "OK\r\n");
  EXPECT_TRUE(fs::exists(home / "sieve" / "main.sieve"));
  EXPECT_TRUE(fs::exists(home / "sieve" / "main.svbc"));
  EXPECT_EQ(feed("PUTSCRIPT \"other\" \"discard;\"\r\n"), "OK\r\n");
  EXPECT_EQ(feed("SETACTIVE \"main\"\r\n"), "OK\r\n");
  EXPECT_EQ(fs::read_symlink(home / ".dovecot.sieve"), fs::path("sieve/main.sieve"));
  EXPECT_EQ(feed("LISTSCRIPTS\r\n"), "\"main\" ACTIVE\r\n\"other\"\r\nOK\r\n");
  EXPECT_EQ(feed("GETSCRIPT \"main\"\r\n"), "{5}\r\nkeep;\r\nOK\r\n");
  EXPECT_EQ(feed("DELETESCRIPT \"main\"\r\n"),
            "NO (ACTIVE) \"You may not delete an active script\"\r\n");
  EXPECT_EQ(feed("RENAMESCRIPT \"main\" \"other\"\r\n"),
            "NO (ALREADYEXISTS) \"A script with that name already exists\"\r\n");
  EXPECT_EQ(feed("RENAMESCRIPT \"main\" \"renamed\"\r\n"), "OK\r\n");
  EXPECT_EQ(feed("LISTSCRIPTS\r\n"), "\"other\"\r\n\"renamed\" ACTIVE\r\nOK\r\n");
  EXPECT_EQ(feed("RENAMESCRIPT \"nope\" \"x\"\r\n"),
            "NO (NONEXISTENT) \"There is no script by that name\"\r\n");
  EXPECT_EQ(feed("GETSCRIPT \"nope\"\r\n"),
            "NO (NONEXISTENT) \"There is no script by that name\"\r\n");
  EXPECT_EQ(feed("SETACTIVE \"nope\"\r\n"),
            "NO (NONEXISTENT) \"There is no script by that name\"\r\n");
  EXPECT_EQ(feed("DELETESCRIPT \"nope\"\r\n"),
            "NO (NONEXISTENT) \"There is no script by that name\"\r\n");
  EXPECT_EQ(feed("SETACTIVE \"\"\r\n"), "OK\r\n");
  EXPECT_FALSE(fs::is_symlink(home / ".dovecot.sieve"));
  EXPECT_EQ(feed("SETACTIVE \"\"\r\n"), "OK\r\n");
  EXPECT_EQ(feed("DELETESCRIPT \"renamed\"\r\n"), "OK\r\n");
  EXPECT_EQ(feed("UNAUTHENTICATE\r\n"), "OK\r\n");
  EXPECT_EQ(feed("LISTSCRIPTS\r\n"), "NO \"Authenticate first\"\r\n");
  EXPECT_EQ(feed("LOGOUT\r\n"), "OK\r\n");
  EXPECT_TRUE(driver->closed());
  EXPECT_EQ(feed("NOOP\r\n"), "");
}

TEST_F(SessionTest, CompileErrorsAndWarnings) {
  login();
  const std::string bad = "require \"fileinto\";\nfrob;\n";
  const std::string r =
      feed("PUTSCRIPT \"bad\" {" + std::to_string(bad.size()) + "+}\r\n" + bad + "\r\n");
  EXPECT_TRUE(r.starts_with("NO {")) << r;
  EXPECT_NE(r.find("bad:2:1: error: "), std::string::npos) << r;
  EXPECT_FALSE(fs::exists(home / "sieve" / "bad.sieve"));
  const std::string c = feed("CHECKSCRIPT {5+}\r\nfrob;\r\n");
  EXPECT_NE(c.find("script:1:1: error: "), std::string::npos) << c;
  EXPECT_EQ(feed("CHECKSCRIPT \"keep;\"\r\n"), "OK\r\n");
  EXPECT_EQ(feed("PUTSCRIPT \"e\" \"\"\r\n"), "NO \"Refusing to store an empty script\"\r\n");
}

TEST_F(SessionTest, WarningsOnPutscriptAndCheckscript) {
  login();
  const std::string w = "if exists \"a b\" { keep; }\n";  // not a header field name
  const std::string lit = "{" + std::to_string(w.size()) + "+}\r\n" + w + "\r\n";
  const std::string put = feed("PUTSCRIPT \"w\" " + lit);
  EXPECT_TRUE(put.starts_with("OK (WARNINGS) {")) << put;
  EXPECT_NE(put.find("w:1:"), std::string::npos) << put;
  EXPECT_NE(put.find(": warning: invalid header field name"), std::string::npos) << put;
  EXPECT_TRUE(fs::exists(home / "sieve" / "w.sieve"));  // stored all the same
  EXPECT_TRUE(fs::exists(home / "sieve" / "w.svbc"));
  const std::string check = feed("CHECKSCRIPT " + lit);
  EXPECT_TRUE(check.starts_with("OK (WARNINGS) {")) << check;
  EXPECT_NE(check.find("script:1:"), std::string::npos) << check;
  // The literal is the whole text: the line after it is the next response.
  EXPECT_EQ(feed("NOOP\r\n"), "OK\r\n");
}

TEST_F(SessionTest, QuotaCodes) {
  login();
  EXPECT_EQ(feed("HAVESPACE \"a\" 1001\r\n"),
            "NO (QUOTA/MAXSIZE) \"Script is larger than the maximum of 1000 octets\"\r\n");
  // A literal over the limit is refused before it is read, then skipped.
  const std::string big(1001, '#');
  EXPECT_EQ(feed("PUTSCRIPT \"a\" {1001+}\r\n" + big + "\r\nNOOP\r\n"),
            "NO (QUOTA/MAXSIZE) \"Script is larger than the maximum of 1000 octets\"\r\n"
            "OK\r\n");
  for (const char* n : {"a", "b", "c"})
    EXPECT_EQ(feed(std::string("PUTSCRIPT \"") + n + "\" \"keep;\"\r\n"), "OK\r\n");
  EXPECT_EQ(feed("PUTSCRIPT \"d\" \"keep;\"\r\n"),
            "NO (QUOTA/MAXSCRIPTS) \"Too many scripts (the maximum is 3)\"\r\n");
  EXPECT_EQ(feed("HAVESPACE \"d\" 1\r\n"),
            "NO (QUOTA/MAXSCRIPTS) \"Too many scripts (the maximum is 3)\"\r\n");
  EXPECT_EQ(feed("HAVESPACE \"a\" 1000\r\n"), "OK\r\n");
  const std::string s(800, '#');
  EXPECT_EQ(feed("PUTSCRIPT \"a\" {800+}\r\n" + s + "\r\n"), "OK\r\n");
  EXPECT_EQ(feed("HAVESPACE \"b\" 800\r\n"),
            "NO (QUOTA) \"Script storage quota exceeded (1500 octets)\"\r\n");
}

TEST_F(SessionTest, LiteralsQuotedAndPipelining) {
  login();
  // {N} (synchronizing form) is accepted too; a literal may name the script.
  EXPECT_EQ(feed("PUTSCRIPT {3}\r\nabc {5+}\r\nkeep;\r\nGETSCRIPT \"abc\"\r\nNOOP \"x\"\r\n"),
            "OK\r\n{5}\r\nkeep;\r\nOK\r\n"
            "OK (TAG \"x\") \"Done\"\r\n");
  // Byte by byte gives the same.
  std::string out;
  for (char c : std::string("RENAMESCRIPT {3+}\r\nabc \"d e\"\r\n")) out += feed(std::string(1, c));
  EXPECT_EQ(out, "OK\r\n");
  EXPECT_EQ(feed("GETSCRIPT \"d e\"\r\n"), "{5}\r\nkeep;\r\nOK\r\n");
  EXPECT_EQ(feed("NOOP {0+}\r\n\r\n"), "OK (TAG \"\") \"Done\"\r\n");
}

TEST_F(SessionTest, BadSyntaxAndNames) {
  login();
  EXPECT_EQ(feed("GETSCRIPT \"unterminated\r\n"), "NO \"Unterminated quoted string\"\r\n");
  EXPECT_EQ(feed("GETSCRIPT {x}\r\n"), "NO \"Invalid literal\"\r\n");
  EXPECT_EQ(feed("GETSCRIPT {5+} \"a\"\r\n"), "NO \"A literal must end the line\"\r\n");
  EXPECT_EQ(feed("GETSCRIPT main\r\n"), "NO \"Syntax: GETSCRIPT name\"\r\n");
  EXPECT_EQ(feed("GETSCRIPT\r\n"), "NO \"Syntax: GETSCRIPT name\"\r\n");
  EXPECT_EQ(feed("HAVESPACE \"a\" 0012\r\n"), "NO \"Invalid number\"\r\n");
  EXPECT_EQ(feed("PUTSCRIPT \"\xff\xfe\" \"keep;\"\r\n"),
            "NO \"Script name is not valid UTF-8\"\r\n");
  EXPECT_EQ(feed("PUTSCRIPT {2+}\r\na\x01 \"keep;\"\r\n"),
            "NO \"Script name contains a control character\"\r\n");
  EXPECT_EQ(feed("PUTSCRIPT \"\" \"keep;\"\r\n"), "NO \"Script name is empty\"\r\n");
  // A name literal bigger than names may be: its size was checked, so it
  // is skipped and the session goes on.
  EXPECT_EQ(feed("GETSCRIPT {9000+}\r\n" + std::string(9000, 'a') + "\r\nNOOP\r\n"),
            "NO \"String too long\"\r\nOK\r\n");
  EXPECT_FALSE(driver->closed());
}

// Issue 15.6: a line that fails to parse but ends in a literal announcement
// is refused without reading the literal (of whatever size it claims), and
// the literal's lines are never run as commands: the session ends.
TEST_F(SessionTest, SyntaxErrorBeforeALiteralEndsTheSessionUnread) {
  login();
  EXPECT_EQ(feed("PUTSCRIPT \"a\x01\" junk) {10+}\r\nLOGOUT\r\n\r\n\r\nNOOP\r\n"),
            "BYE \"Invalid character (before a literal)\"\r\n");
  EXPECT_TRUE(driver->closed());
  login();
  EXPECT_EQ(feed("FO\"O {4000000000+}\r\nDELETESCRIPT \"main\"\r\n"),
            "BYE \"Invalid command (before a literal)\"\r\n");
  EXPECT_TRUE(driver->closed());
}

// Issue 15.6: a name whose escaped file name cannot fit NAME_MAX is a
// permanent NO, never a TRYLATER that no retry could cure.
TEST_F(SessionTest, NameTooLongForAFileIsAPermanentNo) {
  login();
  std::string name;
  for (int i = 0; i < 100; ++i) name += "\xc3\xa9";  // 200 octets, escaped 600
  EXPECT_EQ(feed("PUTSCRIPT {200+}\r\n" + name + " \"keep;\"\r\n"),
            "NO \"Script name is too long\"\r\n");
  // The longest name that fits is stored.
  const std::string fits(249, 'a');
  EXPECT_EQ(feed("PUTSCRIPT {249+}\r\n" + fits + " \"keep;\"\r\n"), "OK\r\n");
  EXPECT_EQ(feed("PUTSCRIPT {250+}\r\n" + fits + "a \"keep;\"\r\n"),
            "NO \"Script name is too long\"\r\n");
}

TEST_F(SessionTest, OnlyTheScriptArgumentTakesAScriptSizedLiteral) {
  ms::Options o = loopback();
  o.max_string = 10;
  open(o);
  ASSERT_EQ(feed(kPlainAuth), "OK\r\n");
  const std::string script = "keep;" + std::string(15, ' ');
  EXPECT_EQ(feed("PUTSCRIPT {20+}\r\n" + script + "\r\n"), "NO \"String too long\"\r\n");
  EXPECT_EQ(feed("PUTSCRIPT \"a\" {20+}\r\n" + script + "\r\n"), "OK\r\n");
  EXPECT_EQ(feed("CHECKSCRIPT {20+}\r\n" + script + "\r\n"), "OK\r\n");
  // Past the script argument, or in other commands, strings are bounded.
  EXPECT_EQ(feed("PUTSCRIPT \"a\" \"keep;\" {20+}\r\n" + script + "\r\n"),
            "NO \"String too long\"\r\n");
  EXPECT_EQ(feed("RENAMESCRIPT \"a\" \"b\" {20+}\r\n" + script + "\r\n"),
            "NO \"String too long\"\r\n");
}

TEST_F(SessionTest, OversizedLineAndHugeLiteralEndTheSession) {
  login();
  EXPECT_EQ(feed("NOOP \"" + std::string(300, 'x') + "\"\r\n"), "BYE \"Line too long\"\r\n");
  EXPECT_TRUE(driver->closed());
  login();
  EXPECT_EQ(feed("PUTSCRIPT \"a\" {4294967295+}\r\n"),
            "BYE (QUOTA/MAXSIZE) \"Literal too large\"\r\n");
  EXPECT_TRUE(driver->closed());
}

TEST_F(SessionTest, Timeouts) {
  open();
  EXPECT_EQ(session->timeout(), std::chrono::seconds(60));
  EXPECT_EQ(session->on_timeout().bytes, "BYE \"Disconnected for inactivity\"\r\n");
  login();
  EXPECT_EQ(session->timeout(), std::chrono::seconds(1800));
}

// Issue 15.4: the login timeout is a deadline from connect to login, not an
// idle timer that every byte re-arms.
TEST_F(SessionTest, LoginTimeoutIsATotalDeadline) {
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  ms::Options o;
  o.clock = [&now] { return now; };
  open(o);
  EXPECT_EQ(session->timeout(), std::chrono::seconds(60));
  now += std::chrono::seconds(50);
  EXPECT_EQ(feed("NOOP\r\n"), "OK\r\n");
  EXPECT_EQ(session->timeout(), std::chrono::seconds(10));  // not 60 again
  now += std::chrono::seconds(9);
  feed("N");  // a byte now and then
  EXPECT_EQ(session->timeout(), std::chrono::seconds(1));
  now += std::chrono::seconds(2);
  EXPECT_EQ(session->timeout(), std::chrono::seconds(0));  // the server closes now
  // After a login the idle timeout of RFC 5804 applies.
  o.loopback = true;
  open(o);
  now += std::chrono::seconds(59);
  EXPECT_EQ(feed(kPlainAuth), "OK\r\n");
  EXPECT_EQ(session->timeout(), std::chrono::seconds(1800));
}

// Issue 15.4: failures are counted under the user name the passwd file
// looks up (case folded), so changing the case resets nothing, and a
// success under any spelling forgets them; IPv6 addresses per /64.
TEST_F(SessionTest, FailedLoginsCountNormalisedUsersAndIpv6Prefixes) {
  EXPECT_EQ(guard->failed("192.0.2.1", "Alice"), std::chrono::milliseconds(100));
  EXPECT_EQ(guard->failed("198.51.100.1", "ALICE"), std::chrono::milliseconds(200));
  EXPECT_EQ(guard->failures("203.0.113.1", "alice"), 2u);
  guard->succeeded("203.0.113.1", "aLiCe");
  EXPECT_EQ(guard->failures("203.0.113.1", "alice"), 0u);
  for (const char* a : {"2001:db8:1:2::1", "2001:db8:1:2:ffff::7", "2001:db8:1:2:1:2:3:4"})
    (void)guard->failed(a, "");
  EXPECT_EQ(guard->failures("2001:db8:1:2::99", ""), 3u);
  EXPECT_EQ(guard->failures("2001:db8:1:3::1", ""), 0u);
  EXPECT_EQ(zest::base::address_group("2001:db8:1:2:3:4:5:6", 64), "2001:db8:1:2::/64");
  EXPECT_EQ(zest::base::address_group("2001:db8:1:2:3:4:5:6", 48), "2001:db8:1::/48");
  EXPECT_EQ(zest::base::address_group("192.0.2.7", 64), "192.0.2.7");
}

// Issue 15.4: an exchange the client abandons (cancels, or leaves by
// closing the connection) counts as a failed login.
TEST_F(SessionTest, AbandonedExchangesCountAsFailures) {
  open(loopback());
  EXPECT_EQ(feed("AUTHENTICATE \"PLAIN\"\r\n"), "\"\"\r\n");
  EXPECT_EQ(feed("\"*\"\r\n"), "NO \"Authentication cancelled\"\r\n");
  EXPECT_EQ(guard->failures("192.0.2.1", ""), 1u);
  // SCRAM: the client-first message names the user; then the client goes.
  EXPECT_EQ(feed("AUTHENTICATE \"SCRAM-SHA-256\" \"" +
                 zest::base::base64_encode("n,,n=carol,r=abcdefghijklmnop") + "\"\r\n")
                .front(),
            '"');
  driver.reset();
  session.reset();  // the connection closes mid-exchange
  EXPECT_EQ(guard->failures("192.0.2.1", ""), 2u);
  EXPECT_EQ(guard->failures("203.0.113.1", "carol"), 1u);
}

// Issue 15.4: SCRAM must not tell existing users apart. A user with stored
// keys gets their constant salt; an unknown user and a user without keys
// get a salt of the same length and the same iteration count, the same on
// every attempt.
TEST_F(SessionTest, ScramSaltsDoNotRevealWhichUsersExist) {
  auto server_first = [&](const std::string& user) {
    open(loopback());
    const std::string line =
        feed("AUTHENTICATE \"SCRAM-SHA-256\" \"" +
             zest::base::base64_encode("n,,n=" + user + ",r=abcdefghijklmnop") + "\"\r\n");
    const auto a = line.find('"'), b = line.rfind('"');
    EXPECT_TRUE(a != std::string::npos && b > a) << line;
    auto decoded = zest::base::base64_decode(line.substr(a + 1, b - a - 1));
    EXPECT_TRUE(decoded) << line;
    std::string s, i;
    const std::string text = decoded ? *decoded : std::string{};  // outlives `rest`
    for (std::string_view rest = text;;) {
      const auto comma = rest.find(',');
      const std::string_view attr = rest.substr(0, comma);
      if (attr.starts_with("s=")) s = attr.substr(2);
      if (attr.starts_with("i=")) i = attr.substr(2);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return std::pair{s, i};
  };
  const auto carol = server_first("carol"), carol2 = server_first("carol");
  const auto ghost = server_first("ghost"), ghost2 = server_first("ghost");
  const auto alice = server_first("alice");  // {PLAIN}: no SCRAM keys
  EXPECT_EQ(carol, carol2);
  EXPECT_EQ(ghost, ghost2);
  EXPECT_NE(ghost.first, server_first("ghost2").first);
  EXPECT_EQ(ghost.first.size(), carol.first.size());
  EXPECT_EQ(alice.first.size(), carol.first.size());
  EXPECT_EQ(ghost.second, carol.second);
  EXPECT_EQ(alice.second, carol.second);
}

}  // namespace

// [state] backend = "redis" through the guard's SharedLoginCounts: a store
// in memory standing for the other nodes, and one that never answers.
class OtherNodes final : public ms::SharedLoginCounts {
 public:
  zest::Result<unsigned> failed(std::string_view a, std::string_view u,
                                std::chrono::milliseconds window) override {
    last_window = window;
    unsigned n = ++counts[std::string("a:") + std::string(a)];
    if (!u.empty()) n = std::max(n, ++counts[std::string("u:") + std::string(u)]);
    return n;
  }
  zest::Status succeeded(std::string_view a, std::string_view u) override {
    counts.erase(std::string("a:") + std::string(a));
    counts.erase(std::string("u:") + std::string(u));
    return zest::Status::success();
  }
  zest::Result<unsigned> failures(std::string_view a, std::string_view u) override {
    return std::max(counts[std::string("a:") + std::string(a)],
                    counts[std::string("u:") + std::string(u)]);
  }
  std::map<std::string, unsigned> counts;
  std::chrono::milliseconds last_window{0};
};

class Unanswered final : public ms::SharedLoginCounts {
 public:
  zest::Result<unsigned> failed(std::string_view, std::string_view,
                                std::chrono::milliseconds) override {
    ++asked;
    return zest::Result<unsigned>::failure("redis: connection refused");
  }
  zest::Status succeeded(std::string_view, std::string_view) override {
    ++asked;
    return zest::Status::failure("redis: connection refused");
  }
  zest::Result<unsigned> failures(std::string_view, std::string_view) override {
    ++asked;
    return zest::Result<unsigned>::failure("redis: connection refused");
  }
  int asked = 0;
};

TEST_F(SessionTest, SharedFailureCountsSetTheDelay) {
  OtherNodes others;
  others.counts["a:192.0.2.1"] = 2;  // two failures seen by another node
  ms::LoginGuard::Options go;
  go.base_delay = std::chrono::milliseconds(100);
  guard = std::make_unique<ms::LoginGuard>(go, &others);
  open(loopback());
  EXPECT_EQ(feed("AUTHENTICATE \"PLAIN\" \"AGFsaWNlAHdyb25n\"\r\n"),
            "NO \"Authentication failed\"\r\n");
  EXPECT_EQ(driver->total_delay(), std::chrono::milliseconds(400));  // the third: 4 x 100 ms
  EXPECT_EQ(others.counts["u:alice"], 1u);
  EXPECT_EQ(others.last_window, std::chrono::milliseconds(600000));
  EXPECT_EQ(guard->failures("192.0.2.1", ""), 3u);
  // A login clears the shared keys (so every node forgets them).
  EXPECT_EQ(feed(kPlainAuth), "OK\r\n");
  EXPECT_EQ(others.counts.count("a:192.0.2.1"), 0u);
  EXPECT_EQ(others.counts.count("u:alice"), 0u);
}

TEST_F(SessionTest, UnansweredSharedCountsFallBackToTheNodesOwn) {
  Unanswered down;
  ms::LoginGuard::Options go;
  go.base_delay = std::chrono::milliseconds(100);
  guard = std::make_unique<ms::LoginGuard>(go, &down);
  open(loopback());
  const std::string bad = "AUTHENTICATE \"PLAIN\" \"AGFsaWNlAHdyb25n\"\r\n";
  EXPECT_EQ(feed(bad), "NO \"Authentication failed\"\r\n");
  EXPECT_EQ(driver->total_delay(), std::chrono::milliseconds(100));
  EXPECT_EQ(feed(bad), "NO \"Authentication failed\"\r\n");
  EXPECT_EQ(driver->total_delay(), std::chrono::milliseconds(300));  // the brake holds
  EXPECT_EQ(guard->failures("192.0.2.1", "alice"), 2u);
  EXPECT_EQ(feed(kPlainAuth), "OK\r\n");
  EXPECT_EQ(guard->failures("192.0.2.1", "alice"), 0u);  // the local counts are cleared
  EXPECT_EQ(down.asked, 5);
}
