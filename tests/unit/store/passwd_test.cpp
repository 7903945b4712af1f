#include <gtest/gtest.h>

#include "store/passwd.hpp"

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
  for (const char* scheme : {"SHA512-CRYPT", "BLF-CRYPT", "ARGON2ID", "PLAIN"}) {
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

TEST(Passwd, RecipientKeys) {
  EXPECT_EQ(recipient_keys("alice+lists@example.org", "+"),
            (std::vector<std::string>{"alice@example.org", "alice"}));
  EXPECT_EQ(recipient_keys("<bob@x>", "+-"), (std::vector<std::string>{"bob@x", "bob"}));
  EXPECT_EQ(recipient_keys("+x@y", "+"), (std::vector<std::string>{"+x@y", "+x"}));
  EXPECT_EQ(recipient_keys("carol", "+"), (std::vector<std::string>{"carol"}));
}

}  // namespace
}  // namespace zest::store
