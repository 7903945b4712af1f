// RFC 6134 extlists: the :list match type, valid_ext_list, redirect :list,
// list names (URIs and the ":addrbook:" shorthand). The lists come from the
// host (transport/ext_lists.hpp in zestd; a map here).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "interp/ext_list_name.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::describe;
using V = std::vector<std::string>;

constexpr const char* kFriends = "urn:ietf:params:sieve:addrbook:friends";
constexpr const char* kTeam = "tag:example.com,2026:team";
constexpr const char* kBroken = "tag:example.com,2026:broken";

// Answers from fixed sets; kBroken fails as an unreadable source does.
class ListHost : public Host {
 public:
  std::map<std::string, std::set<std::string>, std::less<>> lists{
      {kFriends, {"coyote@desert.example.org", "bugs@example.com"}}, {kTeam, {"taz@example.com"}}};
  std::vector<std::string> logged;

  Result<bool> ext_list_contains(std::string_view list, std::string_view value) override {
    if (list == kBroken) return Result<bool>::failure("cannot open /nowhere");
    const auto it = lists.find(list);
    return it != lists.end() && it->second.count(std::string(value)) > 0;
  }
  Result<std::vector<std::string>> ext_list_members(std::string_view list) override {
    if (list == kBroken) return Result<std::vector<std::string>>::failure("cannot open /nowhere");
    const auto it = lists.find(list);
    if (it == lists.end()) return std::vector<std::string>{};
    return std::vector<std::string>(it->second.begin(), it->second.end());
  }
  void log(LogLevel, std::string_view message) override { logged.emplace_back(message); }
};

EngineSettings settings() {
  EngineSettings s;
  s.ext_lists = {{kFriends, "file:/x"}, {kTeam, ""}, {kBroken, "file:/nowhere"}};
  return s;
}

struct Ran {
  RunOutput out;
  std::vector<std::string> logged;
};

Ran run(std::string_view src, std::string_view message = testing::kMessage) {
  const EngineSettings s = settings();
  auto r = compile(src, testing::registry(), s);
  EXPECT_TRUE(r.program.has_value()) << testing::diag_text(r.diags) << src;
  if (!r.program) return {};
  const mail::Message msg{std::string(message)};
  ListHost host;
  RunOutput out =
      run_program(*r.program, msg, testing::default_envelope(), host, s, testing::registry());
  return {std::move(out), std::move(host.logged)};
}

constexpr std::string_view kReq = "require [\"extlists\", \"fileinto\", \"variables\"];\n";

TEST(ExtLists, ListMatchType) {
  const auto r = run(std::string(kReq) +
                     "if address :list \"from\" \":addrbook:friends\" { fileinto \"${0}\"; }\n"
                     "if address :list \"to\" [\":addrbook:friends\", \"" +
                     kTeam + "\"] { fileinto \"team\"; }\n");
  EXPECT_EQ(r.out.status, RunOutput::Status::Ok);
  EXPECT_EQ(describe(r.out), V{"fileinto coyote@desert.example.org"});
  EXPECT_TRUE(r.logged.empty());
}

TEST(ExtLists, EntriesCompareExactly) {
  // No comparator applies to :list (RFC 6134 §2.1); Pigeonhole compares octets.
  const auto r = run(
      std::string(kReq) + "if header :list \"x-who\" \":addrbook:friends\" { fileinto \"yes\"; }\n",
      "X-Who: Coyote@desert.example.org\r\n\r\nx\r\n");
  EXPECT_TRUE(r.out.actions.empty());
  EXPECT_NE(
      testing::compile_errors(
          std::string(kReq) + "if header :list :comparator \"i;octet\" \"x\" \":addrbook:x\" {}",
          settings()),
      "");
}

TEST(ExtLists, NamesAreCaseInsensitiveUris) {
  const auto r = run(std::string(kReq) +
                     "if address :list \"from\" \"URN:IETF:params:sieve:AddrBook:Friends\" "
                     "{ fileinto \"yes\"; }\n");
  EXPECT_EQ(describe(r.out), V{"fileinto yes"});
}

TEST(ExtLists, UnknownOrInvalidKeysWarnAndMatchNothing) {
  const auto r = run(std::string(kReq) +
                     "if address :list \"from\" [\":addrbook:nobody\", \"mailto:x@y\", "
                     "\":addrbook:friends\"] { fileinto \"yes\"; }\n");
  EXPECT_EQ(describe(r.out), V{"fileinto yes"});  // the valid key still counts
  ASSERT_EQ(r.logged.size(), 1u);                 // one warning, for the first bad key
  EXPECT_NE(r.logged[0].find(":addrbook:nobody"), std::string::npos) << r.logged[0];
}

TEST(ExtLists, LookupFailureIsARuntimeError) {
  const auto r = run(std::string(kReq) + "if address :list \"from\" \"" + kBroken +
                     "\" { fileinto \"yes\"; }\n");
  EXPECT_EQ(r.out.status, RunOutput::Status::RuntimeError);
  EXPECT_TRUE(r.out.implicit_keep);
  ASSERT_FALSE(r.out.errors.empty());
  EXPECT_NE(r.out.errors[0].find("/nowhere"), std::string::npos) << r.out.errors[0];
}

TEST(ExtLists, ValidExtList) {
  const auto r = run(std::string(kReq) +
                     "if valid_ext_list \":addrbook:friends\" { fileinto \"a\"; }\n"
                     "if valid_ext_list [\":addrbook:friends\", \"" +
                     kTeam +
                     "\"] { fileinto \"b\"; }\n"
                     "if valid_ext_list [\":addrbook:friends\", \":addrbook:nobody\"] "
                     "{ fileinto \"c\"; }\n"
                     "if valid_ext_list \"http://example.com/list\" { fileinto \"d\"; }\n");
  EXPECT_EQ(describe(r.out), (V{"fileinto a", "fileinto b"}));
}

TEST(ExtLists, RedirectList) {
  const auto r = run(std::string(kReq) + "redirect :list \":addrbook:friends\";\n");
  EXPECT_EQ(r.out.status, RunOutput::Status::Ok);
  EXPECT_EQ(describe(r.out),
            (V{"redirect bugs@example.com", "redirect coyote@desert.example.org"}));
  EXPECT_FALSE(r.out.implicit_keep);
  const auto copy =
      run("require [\"extlists\", \"copy\"];\n"
          "redirect :copy :list \"" +
          std::string(kTeam) + "\";\n");
  EXPECT_EQ(describe(copy.out), V{"redirect taz@example.com :copy"});
  EXPECT_TRUE(copy.out.implicit_keep);
}

TEST(ExtLists, RedirectListUnknownNameIsACompileError) {
  const auto e = testing::compile_errors(
      std::string(kReq) + "redirect :list \":addrbook:nobody\";\n", settings());
  EXPECT_NE(e.find("unknown external list"), std::string::npos) << e;
  EXPECT_NE(testing::compile_errors("redirect :list \":addrbook:friends\";\n", settings()), "");
}

TEST(ExtLists, RedirectListObeysMaxRedirects) {
  EngineSettings s = settings();
  s.max_redirects = 1;
  auto c = compile(std::string(kReq) + "redirect :list \":addrbook:friends\";\n",
                   testing::registry(), s);
  ASSERT_TRUE(c.program);
  const mail::Message msg{std::string(testing::kMessage)};
  ListHost host;
  const RunOutput out =
      run_program(*c.program, msg, testing::default_envelope(), host, s, testing::registry());
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
  EXPECT_TRUE(out.implicit_keep);
}

TEST(ExtListName, Normalisation) {
  EXPECT_EQ(*normalize_ext_list_name(":addrbook:Default"),
            "urn:ietf:params:sieve:addrbook:default");
  EXPECT_EQ(*normalize_ext_list_name("TAG:Example.com,2026:X"), "tag:example.com,2026:x");
  EXPECT_TRUE(normalize_ext_list_name("urn:example:a%20b"));
  EXPECT_FALSE(normalize_ext_list_name("http://example.com/list"));  // scheme not supported
  EXPECT_FALSE(normalize_ext_list_name("urn:x:y"));                  // NID too short
  EXPECT_FALSE(normalize_ext_list_name("urn:example:a b"));
  EXPECT_FALSE(normalize_ext_list_name("urn:example:%zz"));
  EXPECT_FALSE(normalize_ext_list_name("friends"));
  EXPECT_FALSE(normalize_ext_list_name(""));
}

}  // namespace
}  // namespace zest::interp
