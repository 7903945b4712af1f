#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>

#include "store/passwd.hpp"
#include "store/scram.hpp"
#include "tests/unit/store/tmp_dir.hpp"

namespace zest::store {
namespace {

TEST(Passwd, ParsesDovecotFormat) {
  auto r = parse_passwd(
      "# comment\n\nalice:{PLAIN}pw:1000:1000::/home/alice::userdb_mail=maildir:~/M\n"
      "bob:{SHA512-CRYPT}$6$x$y\r\n",
      "passwd");
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "alice");
  EXPECT_EQ((*r)[0].uid, "1000");
  EXPECT_EQ((*r)[0].home, "/home/alice");
  EXPECT_EQ((*r)[0].extra, "userdb_mail=maildir:~/M");
  EXPECT_EQ((*r)[1].password, "{SHA512-CRYPT}$6$x$y");
  EXPECT_EQ((*r)[1].home, "");
}

TEST(Passwd, RejectsBadLines) {
  EXPECT_FALSE(parse_passwd(":pw\n", "f"));
  EXPECT_FALSE(parse_passwd("justaname\n", "f"));
  auto dup = parse_passwd("a:x\nA:y\n", "f");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().find("f:2"), std::string::npos);
}

TEST(Passwd, RoundTripsLines) {
  auto r = parse_passwd("u:{PLAIN}p:1:2:g:/h:/bin/sh:a=b\n", "f");
  ASSERT_TRUE(r);
  EXPECT_EQ(format_passwd_line((*r)[0]), "u:{PLAIN}p:1:2:g:/h:/bin/sh:a=b");
}

TEST(Passwd, HashesVerify) {
  for (const char* scheme : {"SHA512-CRYPT", "BLF-CRYPT", "ARGON2ID", "SCRAM-SHA-256", "PLAIN"}) {
    auto h = hash_password(scheme, "s3cret");
    ASSERT_TRUE(h) << scheme << ": " << h.error();
    EXPECT_TRUE(verify_password(*h, "s3cret")) << *h;
    EXPECT_FALSE(verify_password(*h, "s3cres")) << *h;
  }
  EXPECT_FALSE(hash_password("MD4", "x"));
}

TEST(Passwd, VerifiesKnownHashes) {
  // Generated with `openssl passwd -6 -salt saltsalt test`.
  EXPECT_TRUE(
      verify_password("{SHA512-CRYPT}$6$saltsalt$JcVDtuB6d1BHhCd5RPBh8g8xX/1CbY8EU2PN0MTaj2/"
                      "Mypw4P./C6dN4j0HALhzBDTocyW1Jm.gYaTPjFGCV40",
                      "test"));
  EXPECT_FALSE(verify_password("{SHA512-CRYPT}$6$saltsalt$nope", "test"));
  EXPECT_FALSE(verify_password("{UNKNOWN}abc", "abc"));
  EXPECT_TRUE(verify_password("{PLAIN}abc", "abc"));
}

TEST(Passwd, ScramSha256AsDovecotWritesIt) {
  // `doveadm pw -s SCRAM-SHA-256 -p pencil` (Dovecot 2.3).
  const std::string dovecot =
      "{SCRAM-SHA-256}4096,dNrJnL3o8O0rLbtIeK0u6w==,lNWdA4zFVcP6Kgk3IeTx3OZFDQ7mOMy7R4E7S3JfsjI=,"
      "vAKDvXqPutnhq4njcSyEr/9iUXcyzTSzbdeH7QPQ5J8=";
  EXPECT_TRUE(verify_password(dovecot, "pencil"));
  EXPECT_FALSE(verify_password(dovecot, "pencils"));
  // RFC 7677's salt and iteration count; keys computed with Python's hashlib.
  std::string salt = "\x5b\x6d\x99\x68\x9d\x12\x35\x8e\xec\xa0\x4b\x14\x12\x36\xfa\x81";
  EXPECT_EQ(scram_sha256_credentials("pencil", salt, 4096),
            "4096,W22ZaJ0SNY7soEsUEjb6gQ==,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,"
            "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
  auto fresh = hash_password("scram-sha-256", "pencil");
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->starts_with("{SCRAM-SHA-256}4096,")) << *fresh;
  for (const char* bad :
       {"{SCRAM-SHA-256}", "{SCRAM-SHA-256}4096,abc", "{SCRAM-SHA-256}0,a,b,c",
        "{SCRAM-SHA-256}4096,!!!!,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,x"})
    EXPECT_FALSE(verify_password(bad, "pencil")) << bad;
}

TEST(Passwd, RecipientKeys) {
  EXPECT_EQ(recipient_keys("alice+lists@example.org", "+"),
            (std::vector<std::string>{"alice@example.org", "alice"}));
  EXPECT_EQ(recipient_keys("<bob@x>", "+-"), (std::vector<std::string>{"bob@x", "bob"}));
  EXPECT_EQ(recipient_keys("+x@y", "+"), (std::vector<std::string>{"+x@y", "+x"}));
  EXPECT_EQ(recipient_keys("carol", "+"), (std::vector<std::string>{"carol"}));
}

// Lookups go through an index of the lower-cased names, and the file is
// reread when it is replaced, even by one of the same size and mtime.
TEST(Passwd, UserDbIndexAndReread) {
  TmpDir t;
  const auto file = t.p / "passwd";
  {
    std::ofstream out(file);
    for (int i = 1; i <= 10000; ++i) out << "user" << i << ":{PLAIN}a::::::\n";
  }
  UserDb db(file);
  auto u = db.find("USER9999");
  ASSERT_TRUE(u) << u.error();
  ASSERT_TRUE(u->has_value());
  EXPECT_EQ((*u)->name, "user9999");
  auto mixed = db.find("uSeR7");
  ASSERT_TRUE(mixed && mixed->has_value());
  EXPECT_EQ((*mixed)->password, "{PLAIN}a");
  EXPECT_FALSE(db.find("user10001")->has_value());
  auto rcpt = db.find_recipient("user42+lists@example.test", "+");
  ASSERT_TRUE(rcpt && rcpt->has_value());
  EXPECT_EQ((*rcpt)->name, "user42");
  // Same size, same mtime, another file renamed into place.
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  const auto tmp = t.p / "passwd.new";
  {
    std::ofstream out(tmp);
    for (int i = 1; i <= 10000; ++i) out << "uzer" << i << ":{PLAIN}a::::::\n";
  }
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, tmp.c_str(), times, 0), 0);
  std::filesystem::rename(tmp, file);
  EXPECT_FALSE(db.find("user9999")->has_value());
  EXPECT_TRUE(db.find("uzer9999")->has_value());
  // Gone: no users.
  std::filesystem::remove(file);
  EXPECT_FALSE(db.find("uzer1")->has_value());
}

}  // namespace
}  // namespace zest::store
