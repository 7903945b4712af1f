// The RFC 6134 list sources of transport/ext_lists.hpp: a text file (one
// entry per line), a Dovecot file dict as Pigeonhole's extlists reads it,
// an empty list, and the checks of source strings. (Redis sets are tested
// against a real redis-server in tests/transport/transport_peers_test.cpp.)
#include "transport/ext_lists.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace zest::transport {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::string>;

struct TmpDir {
  fs::path p =
      fs::temp_directory_path() / ("zest-extlists-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TmpDir() {
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~TmpDir() {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
  TmpDir(const TmpDir&) = delete;
  TmpDir& operator=(const TmpDir&) = delete;
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(p / name, std::ios::binary) << text;
    return p / name;
  }
};

constexpr const char* kFriends = "urn:ietf:params:sieve:addrbook:friends";

TEST(ExtLists, FileHasOneEntryPerLine) {
  TmpDir d;
  const auto f = d.write("friends.txt",
                         "alice@example.com\n"
                         "\n"                                  // blank lines are ignored
                         "bob@example.com\r\n"                 // CRLF files work too
                         "  carol@example.com\n"               // no trimming: entries are exact
                         "d\xc3\xa9sir\xc3\xa9@example.com");  // no final newline
  ExtLists lists({{kFriends, "file:" + f.string()}});
  EXPECT_TRUE(*lists.contains(kFriends, "alice@example.com"));
  EXPECT_TRUE(*lists.contains(kFriends, "bob@example.com"));
  EXPECT_TRUE(*lists.contains(kFriends, "d\xc3\xa9sir\xc3\xa9@example.com"));
  EXPECT_TRUE(*lists.contains(kFriends, "  carol@example.com"));
  EXPECT_FALSE(*lists.contains(kFriends, "carol@example.com"));
  EXPECT_FALSE(*lists.contains(kFriends, "Alice@example.com"));  // octet by octet
  EXPECT_FALSE(*lists.contains(kFriends, ""));
  auto m = lists.members(kFriends);
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(*m, (V{"  carol@example.com", "alice@example.com", "bob@example.com",
                   "d\xc3\xa9sir\xc3\xa9@example.com"}));
}

TEST(ExtLists, FileIsReadOncePerExtLists) {
  // One ExtLists serves one delivery; a change shows in the next one.
  TmpDir d;
  const auto f = d.write("l.txt", "a@example.com\n");
  ExtLists first({{kFriends, "file:" + f.string()}});
  EXPECT_TRUE(*first.contains(kFriends, "a@example.com"));
  d.write("l.txt", "b@example.com\n");
  EXPECT_FALSE(*first.contains(kFriends, "b@example.com"));
  ExtLists next({{kFriends, "file:" + f.string()}});
  EXPECT_TRUE(*next.contains(kFriends, "b@example.com"));
}

TEST(ExtLists, DovecotDictKeysAreTheEntries) {
  // Pigeonhole's file dict: key lines "priv/sieve/extlists/<entry>", each
  // followed by its value line; other keys are not part of the list.
  TmpDir d;
  const auto f = d.write("dict",
                         "priv/sieve/extlists/alice@example.com\n"
                         "1\n"
                         "priv/other/bob@example.com\n"
                         "1\n"
                         "priv/sieve/extlists/carol@example.com\n"
                         "priv/sieve/extlists/not-a-key\n");
  ExtLists lists({{kFriends, "dict:" + f.string()}});
  EXPECT_TRUE(*lists.contains(kFriends, "alice@example.com"));
  EXPECT_FALSE(*lists.contains(kFriends, "bob@example.com"));
  EXPECT_TRUE(*lists.contains(kFriends, "carol@example.com"));
  EXPECT_FALSE(*lists.contains(kFriends, "not-a-key"));  // a value line
  EXPECT_EQ(*lists.members(kFriends), (V{"alice@example.com", "carol@example.com"}));
}

TEST(ExtLists, EmptySourceIsAnEmptyList) {
  ExtLists lists(ExtListSources{{kFriends, ""}});
  auto c = lists.contains(kFriends, "a@example.com");
  ASSERT_TRUE(c) << c.error();
  EXPECT_FALSE(*c);
  EXPECT_EQ(*lists.members(kFriends), V{});
}

TEST(ExtLists, FailuresAreValues) {
  TmpDir d;
  ExtLists lists({{kFriends, "file:" + (d.p / "missing.txt").string()}});
  auto c = lists.contains(kFriends, "a@example.com");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("missing.txt"), std::string::npos) << c.error();
  ASSERT_FALSE(lists.members(kFriends));
  // A file that appears later is read on the next lookup.
  d.write("missing.txt", "a@example.com\n");
  EXPECT_TRUE(*lists.contains(kFriends, "a@example.com"));
  // A list that is not configured.
  ASSERT_FALSE(lists.contains("urn:ietf:params:sieve:addrbook:other", "x"));
}

TEST(ExtLists, SourceStringsAreChecked) {
  EXPECT_TRUE(check_ext_list_source(""));
  EXPECT_TRUE(check_ext_list_source("file:/etc/zest/friends.txt"));
  EXPECT_TRUE(check_ext_list_source("dict:/var/lib/zest/lists.dict"));
  EXPECT_TRUE(check_ext_list_source("redis:redis://127.0.0.1:6379/0#friends"));
  EXPECT_FALSE(check_ext_list_source("file:"));
  EXPECT_FALSE(check_ext_list_source("redis:redis://127.0.0.1:6379/0"));   // no key
  EXPECT_FALSE(check_ext_list_source("redis:redis://127.0.0.1:6379/0#"));  // empty key
  EXPECT_FALSE(check_ext_list_source("redis:http://x#k"));
  EXPECT_FALSE(check_ext_list_source("ldap://x"));
}

}  // namespace
}  // namespace zest::transport
