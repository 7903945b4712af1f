// Every example script of RFC 5228 must parse without error.
#include "tests/unit/grammar/test_util.hpp"

namespace zest::grammar {
namespace {

using testing::parse_ok;

struct Example {
  const char* section;
  const char* script;
};

const Example kExamples[] = {
    {"2.3 hash comment", R"(if size :over 100k { # this is a comment
   discard;
}
)"},
    {"2.3 bracketed comment", R"(if size :over 100K { /* this is a comment
   this is still a comment */ discard /* this is a comment
   */ ;
}
)"},
    {"2.4.2.4 encoded-character", R"(require "encoded-character";
if header :contains "Subject" "$${hex:24 24}" {
   discard;
}
)"},
    {"2.5 test-list", R"(if anyof (not exists ["From", "Date"],
      header :contains "from" "fool@example.com") {
   discard;
}
)"},
    {"2.7.3 comparator", R"(if header :contains :comparator "i;octet" "Subject"
      "MAKE MONEY FAST" {
   discard;
}
)"},
    {"2.10.2 size", R"(if size :over 500K { discard; })"},
    {"3.1 if/elsif/else", R"(require "fileinto";
if header :contains "from" "coyote" {
   discard;
} elsif header :contains ["subject"] ["$$$"] {
   discard;
} else {
   fileinto "INBOX";
}
)"},
    {"3.1 redirect chain", R"(if header :contains ["From"] ["coyote"] {
   redirect "acm@example.com";
} elsif header :contains "Subject" "$$$" {
   redirect "postmaster@example.com";
} else {
   redirect "field@example.com";
}
)"},
    {"3.2 require list", R"(require ["fileinto", "reject"];)"},
    {"3.2 require twice", "require \"fileinto\";\nrequire \"vacation\";\n"},
    {"4.1 fileinto", R"(require "fileinto";
if header :contains ["from"] "coyote" {
   fileinto "INBOX.harassment";
}
)"},
    {"4.2 redirect", R"(redirect "bart@example.com";)"},
    {"4.3 keep/else", R"(if size :under 1M { keep; } else { discard; })"},
    {"4.3 not size", R"(if not size :under 1M { discard; })"},
    {"4.4 discard", R"(if header :contains ["from"] ["idiot@example.com"] {
   discard;
}
)"},
    {"5.1 address", R"(if address :is :all "from" "tim@example.com" {
   discard;
}
)"},
    {"5.2 allof ff", "if allof (false, false) { stop; }"},
    {"5.2 allof ft", "if allof (false, true) { stop; }"},
    {"5.2 allof tt", "if allof (true,  true) { stop; }"},
    {"5.3 anyof ff", "if anyof (false, false) { stop; }"},
    {"5.3 anyof ft", "if anyof (false, true) { stop; }"},
    {"5.3 anyof tt", "if anyof (true,  true) { stop; }"},
    {"5.4 envelope", R"(require "envelope";
if envelope :all :is "from" "tim@example.com" {
   discard;
}
)"},
    {"5.5 exists", R"(if not exists ["From","Date"] {
   discard;
}
)"},
    {"9 extended example", R"(#
# Example Sieve Filter
# Declare any optional features or extension used by the script
#
require ["fileinto"];

#
# Handle messages from known mailing lists
# Move messages from IETF filter discussion list to filter mailbox
#
if header :is "Sender" "owner-ietf-mta-filters@imc.org"
        {
        fileinto "filter";  # move to "filter" mailbox
        }
#
# Keep all messages to or from people in my company
#
elsif address :DOMAIN :is ["From", "To"] "example.com"
        {
        keep;               # keep in "In" mailbox
        }

#
# Try and catch unsolicited email.  If a message is not to me,
# or it contains a subject known to be spam, file it away.
#
elsif anyof (NOT address :all :contains
               ["To", "Cc", "Bcc"] "me@example.com",
             header :matches "subject"
               ["*make*money*fast*", "*university*dipl*mas*"])
        {
        fileinto "spam";   # move to "spam" mailbox
        }
else
        {
        # Move all other (non-company) mail to "personal"
        # mailbox.
        fileinto "personal";
        }
)"},
};

class RfcExample : public ::testing::TestWithParam<Example> {};

TEST_P(RfcExample, ParsesWithoutError) {
  parse_ok(GetParam().script);
}

TEST_P(RfcExample, ParsesWithCrlfLineEndings) {
  std::string crlf;
  for (char c : std::string_view(GetParam().script)) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  parse_ok(crlf);
}

INSTANTIATE_TEST_SUITE_P(Rfc5228, RfcExample, ::testing::ValuesIn(kExamples));

TEST(RfcExampleTree, ExtendedExampleShape) {
  auto r = parse_ok(kExamples[std::size(kExamples) - 1].script);
  const auto& cmds = r.script.commands;
  ASSERT_EQ(cmds.size(), 5u);
  EXPECT_EQ(cmds[0].identifier, "require");
  EXPECT_EQ(cmds[1].identifier, "if");
  EXPECT_EQ(cmds[2].identifier, "elsif");
  EXPECT_EQ(cmds[3].identifier, "elsif");
  EXPECT_EQ(cmds[4].identifier, "else");
  EXPECT_TRUE(cmds[4].has_block);
  EXPECT_TRUE(cmds[4].tests.empty());
  // ":DOMAIN" is lower-cased and loses its colon.
  const auto& addr = cmds[2].tests.at(0);
  EXPECT_EQ(addr.identifier, "address");
  EXPECT_EQ(std::get<Tag>(addr.arguments.at(0)).name, "domain");
  // anyof (NOT address ..., header ...)
  const auto& any = cmds[3].tests.at(0);
  EXPECT_EQ(any.identifier, "anyof");
  EXPECT_TRUE(any.has_test_list);
  ASSERT_EQ(any.tests.size(), 2u);
  EXPECT_EQ(any.tests[0].identifier, "not");
  EXPECT_FALSE(any.tests[0].has_test_list);
  ASSERT_EQ(any.tests[0].tests.size(), 1u);
  EXPECT_EQ(any.tests[0].tests[0].identifier, "address");
  EXPECT_EQ(any.tests[0].tests[0].arguments.size(), 4u);
  EXPECT_EQ(any.tests[1].identifier, "header");
  const auto& keys = std::get<StringList>(any.tests[1].arguments.at(2));
  ASSERT_EQ(keys.items.size(), 2u);
  EXPECT_EQ(keys.items[1].value, "*university*dipl*mas*");
}

}  // namespace
}  // namespace zest::grammar
