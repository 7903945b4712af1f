#include "mail/address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zest::mail {
namespace {

struct ListCase {
  std::string input;
  std::vector<std::string> expected;  // to_string() of each address
  bool has_invalid;
};

std::vector<std::string> render(const AddressList& list) {
  std::vector<std::string> out;
  for (const MailAddress& a : list.addresses) out.push_back(to_string(a));
  return out;
}

class AddressListTable : public ::testing::TestWithParam<ListCase> {};

TEST_P(AddressListTable, Parses) {
  const ListCase& c = GetParam();
  const AddressList list = parse_address_list(c.input);
  EXPECT_EQ(render(list), c.expected) << c.input;
  EXPECT_EQ(list.has_invalid, c.has_invalid) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    Pigeonhole, AddressListTable,
    ::testing::Values(
        // test-address.svtest: basic functionality and case
        ListCase{"stephan@example.com", {"stephan@example.com"}, false},
        ListCase{"nico@nl.example.com, harry@de.example.com",
                 {"nico@nl.example.com", "harry@de.example.com"},
                 false},
        ListCase{"Nico@nl.example.com, harry@DE.EXAMPLE.COM",
                 {"Nico@nl.example.com", "harry@DE.EXAMPLE.COM"},
                 false},
        ListCase{"Timo <tss(no spam)@fi.iki>", {"tss@fi.iki"}, false},
        // phrases, comments, group names
        ListCase{"Stephan Bosch <stephan(the author)@example.com>", {"stephan@example.com"}, false},
        ListCase{"Nico Thalens <nico@nl.example.com>, Harry Becker <harry@de.example.com>",
                 {"nico@nl.example.com", "harry@de.example.com"},
                 false},
        ListCase{"tukkers: henk@tukkerland.ex, theo@tukkerland.ex, frits@tukkerland.ex;",
                 {"henk@tukkerland.ex", "theo@tukkerland.ex", "frits@tukkerland.ex"},
                 false},
        ListCase{"undisclosed-recipients:;", {}, false},
        // invalid addresses
        ListCase{"stephan@", {}, true}, ListCase{"@example.org", {}, true},
        ListCase{"nonsense", {}, true}, ListCase{"", {}, false},
        ListCase{"nico@frop.example.com, @example.org", {"nico@frop.example.com"}, true},
        ListCase{"<j\xC3\xBCrgen@example.com>", {}, true},
        // MIME-encoded display names are just phrases
        ListCase{"\"Frop <frop@example.org>\"", {}, true},
        ListCase{"=?UTF-8?B?RnJpZXBAZnJvcA0K?=\t<friep@example.com>", {"friep@example.com"}, false},
        ListCase{"\"=?UTF-8?B?IkR1bWIgTWFpbGVyIg==?=\"\t<horde@lists.scotsmen.ex>",
                 {"horde@lists.scotsmen.ex"},
                 false},
        // address-normalize.svtest: quoting
        ListCase{"\"Sirius\"@example.net", {"Sirius@example.net"}, false},
        ListCase{"\"S[r]us\"@example.net", {"\"S[r]us\"@example.net"}, false},
        ListCase{"\"Stephan Bosch\" <\"S.Bosch\"@example.net>", {"S.Bosch@example.net"}, false},
        ListCase{"\"a b\"@x.example", {"\"a b\"@x.example"}, false},
        ListCase{"\"a\\\"b\"@x.example", {"\"a\\\"b\"@x.example"}, false},
        ListCase{"\"\"@x.example", {"\"\"@x.example"}, false},
        // comments, nesting, obsolete syntax
        ListCase{"(a (nested (deep)) comment) user@host (trailing)", {"user@host"}, false},
        ListCase{"John . Doe @ example . com", {"John.Doe@example.com"}, false},
        ListCase{"<@route1,@route2:user@host>", {"user@host"}, false},
        ListCase{"Name <@a.example:user@host>, other@x", {"user@host", "other@x"}, false},
        ListCase{"user@[192.0.2.1]", {"user@[192.0.2.1]"}, false},
        ListCase{"a@b, , c@d", {"a@b", "c@d"}, false},
        ListCase{"g1: a@x;, b@y", {"a@x", "b@y"}, false},
        ListCase{"Group: Name <a@x>, \"q\" <b@y>; c@z", {"a@x", "b@y", "c@z"}, false},
        // garbage
        ListCase{"a@b c@d", {}, true}, ListCase{"<a@b", {}, true}, ListCase{"<>", {}, true},
        ListCase{"a..b@x", {}, true}, ListCase{".a@x", {}, true}, ListCase{"a@x.", {}, true},
        ListCase{"user@host:extra", {}, true}, ListCase{"\"unterminated@x", {}, true},
        ListCase{"(unterminated comment a@b", {}, false},
        ListCase{"J\xC3\xBCrgen <j@example.com>", {"j@example.com"}, false}));

TEST(AddressList, DeepNestingIsLinear) {
  std::string deep(100000, '(');
  deep += "x";
  deep += std::string(100000, ')');
  deep += " a@b";
  EXPECT_EQ(render(parse_address_list(deep)), std::vector<std::string>{"a@b"});
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "a@b,";
  EXPECT_EQ(parse_address_list(many).addresses.size(), 20000u);
  std::string angles(200000, '<');
  EXPECT_TRUE(parse_address_list(angles).has_invalid);
}

TEST(EnvelopePath, Forms) {
  auto p = parse_envelope_path("<user@host>");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->null_path);
  EXPECT_EQ(to_string(p->address), "user@host");

  p = parse_envelope_path("user@host");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->address.local_part, "user");
  EXPECT_EQ(p->address.domain, "host");

  for (const char* null_form : {"<>", "", "  ", "< >"}) {
    p = parse_envelope_path(null_form);
    ASSERT_TRUE(p) << null_form;
    EXPECT_TRUE(p->null_path) << null_form;
    EXPECT_EQ(to_string(p->address), "");
  }

  p = parse_envelope_path("<@relay1.example,@relay2.example:joe@example.com>");
  ASSERT_TRUE(p);
  EXPECT_EQ(to_string(p->address), "joe@example.com");

  p = parse_envelope_path("<MAILER-DAEMON>");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->null_path);
  EXPECT_EQ(p->address.local_part, "MAILER-DAEMON");
  EXPECT_EQ(p->address.domain, "");

  p = parse_envelope_path("\"sirius\"@example.org");
  ASSERT_TRUE(p);
  EXPECT_EQ(to_string(p->address), "sirius@example.org");

  p = parse_envelope_path("<\"S[r]us\"@example.net>");
  ASSERT_TRUE(p);
  EXPECT_EQ(to_string(p->address), "\"S[r]us\"@example.net");

  EXPECT_FALSE(parse_envelope_path("<user@host"));
  EXPECT_FALSE(parse_envelope_path("user@host>"));
  EXPECT_FALSE(parse_envelope_path("<user@>"));
  EXPECT_FALSE(parse_envelope_path("<@host>"));
  EXPECT_FALSE(parse_envelope_path("two words@host"));
  EXPECT_FALSE(parse_envelope_path("<@route:>"));
}

TEST(AddrSpec, Validity) {
  EXPECT_TRUE(is_valid_addr_spec("local@domain"));
  EXPECT_TRUE(is_valid_addr_spec("\"S[r]us\"@example.net"));
  EXPECT_TRUE(is_valid_addr_spec("a.b+c@sub.example.org"));
  EXPECT_FALSE(is_valid_addr_spec("Name <local@domain>"));
  EXPECT_FALSE(is_valid_addr_spec("local"));
  EXPECT_FALSE(is_valid_addr_spec("local@"));
  EXPECT_FALSE(is_valid_addr_spec("@domain"));
  EXPECT_FALSE(is_valid_addr_spec("a@b, c@d"));
  EXPECT_FALSE(is_valid_addr_spec(""));
  auto a = parse_addr_spec("\"Sirius\"@example.net");
  ASSERT_TRUE(a);
  EXPECT_EQ(to_string(*a), "Sirius@example.net");
}

}  // namespace
}  // namespace zest::mail

namespace zest::mail {
namespace {

// RFC 5321 paths as Pigeonhole's envelope tests check them: source routes
// must consist of well-formed domains; odd dots in a local part are allowed.
TEST(EnvelopePath, StrictRoutesLenientDots) {
  EXPECT_TRUE(parse_envelope_path("<@cola.example.org,@mx.utwente.nl:stephan@example.org>"));
  EXPECT_FALSE(parse_envelope_path("<@.example.org:stephan@example.org>"));
  EXPECT_FALSE(parse_envelope_path("<@cola..nl:stephan@example.org>"));
  EXPECT_FALSE(parse_envelope_path("<@cola.example.org,mx.utwente.nl:stephan@example.org>"));
  EXPECT_FALSE(parse_envelope_path("<@cola.example.org,@mx.utwente.nl,stephan@example.org>"));
  for (const char* p :
       {".japanese@example.com", "japanese.@example.com", "japanese...localpart@example.com",
        "..japanese...localpart..@example.com"}) {
    auto r = parse_envelope_path(p);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->address.domain, "example.com");
  }
  EXPECT_FALSE(parse_envelope_path("two words@host"));
}

}  // namespace
}  // namespace zest::mail

namespace zest::mail {
namespace {

TEST(AddrSpec, LenientDotsOnlyWhenAsked) {
  EXPECT_FALSE(parse_addr_spec("..japanese...localpart..@example.com"));
  auto a = parse_addr_spec("..japanese...localpart..@example.com", true);
  ASSERT_TRUE(a);
  // Not a dot-atom, so it is kept in its quoted (RFC 5322) form.
  EXPECT_EQ(a->local_part, "\"..japanese...localpart..\"");
  EXPECT_FALSE(parse_addr_spec("Stephan Bosch error@example.org", true));
  EXPECT_FALSE(parse_addr_spec("error@", true));
  EXPECT_FALSE(parse_addr_spec("@", true));
}

}  // namespace
}  // namespace zest::mail
