// RFC 5703: foreverypart/break, :mime options of header/address/exists and
// extracttext (the RFC §3–§7 examples, adapted).
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::describe;
using testing::run;
using V = std::vector<std::string>;

constexpr std::string_view kMultipart =
    "From: a@example.com\r\n"
    "To: b@example.com\r\n"
    "Subject: parts\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=X\r\n"
    "\r\n"
    "--X\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "Hello there\r\n"
    "--X\r\n"
    "Content-Type: application/zip; name=\"a.zip\"\r\n"
    "Content-Disposition: attachment; filename=\"evil.exe\"\r\n"
    "\r\n"
    "UEsDBA==\r\n"
    "--X--\r\n";

// RFC 5703 §3 example: reject mail with an executable attachment.
TEST(Mime, ForeverypartFindsAttachment) {
  const RunOutput out =
      run("require [\"foreverypart\", \"mime\", \"fileinto\"];\n"
          "foreverypart {\n"
          "  if header :mime :param \"filename\" :matches \"Content-Disposition\" \"*.exe\" {\n"
          "    fileinto \"executables\"; break; }\n"
          "}",
          kMultipart);
  EXPECT_EQ(describe(out), (V{"fileinto executables"}));
}

TEST(Mime, TypeSubtypeAnychild) {
  const std::string req = "require [\"mime\", \"fileinto\"];\n";
  auto t = [&](std::string_view test) {
    const RunOutput out = run(req + "if " + std::string(test) + " { discard; }", kMultipart);
    return !out.implicit_keep;
  };
  EXPECT_TRUE(t("header :mime :type \"Content-Type\" \"multipart\""));
  EXPECT_TRUE(t("header :mime :subtype \"Content-Type\" \"mixed\""));
  EXPECT_FALSE(t("header :mime :type \"Content-Type\" \"application\""));
  EXPECT_TRUE(t("header :mime :anychild :contenttype \"Content-Type\" \"application/zip\""));
  EXPECT_TRUE(t("exists :mime :anychild \"Content-Disposition\""));
  EXPECT_FALSE(t("exists :mime \"Content-Disposition\""));
  EXPECT_TRUE(t("address :mime :is \"From\" \"a@example.com\""));
}

TEST(Mime, NamedBreakLeavesOuterLoop) {
  const RunOutput out =
      run("require [\"foreverypart\", \"fileinto\"];\n"
          "foreverypart :name \"outer\" { foreverypart { fileinto \"inner\"; break :name "
          "\"outer\"; } }\n"
          "fileinto \"after\";",
          kMultipart);
  EXPECT_EQ(describe(out), (V{"fileinto inner", "fileinto after"}));
}

TEST(Mime, ExtracttextFirst) {
  const RunOutput out =
      run("require [\"foreverypart\", \"mime\", \"extracttext\", \"variables\", \"fileinto\"];\n"
          "foreverypart { if header :mime :type \"Content-Type\" \"text\" {\n"
          "  extracttext :first 5 \"t\"; fileinto \"${t}\"; } }",
          kMultipart);
  EXPECT_EQ(describe(out), (V{"fileinto Hello"}));
}

TEST(Mime, CompileErrors) {
  EXPECT_NE(compile_errors("require \"foreverypart\"; break;").find("not placed inside"),
            std::string::npos);
  EXPECT_NE(compile_errors("require \"foreverypart\"; foreverypart { break :name \"x\"; }")
                .find("does not enclose"),
            std::string::npos);
  EXPECT_NE(compile_errors("require \"mime\"; if header :type \"Content-Type\" \"x\" { keep; }")
                .find(":mime"),
            std::string::npos);
  EXPECT_NE(compile_errors("require [\"extracttext\", \"foreverypart\"]; keep;")
                .find("without the variables"),
            std::string::npos);
  EXPECT_FALSE(compile_errors("require \"foreverypart\";"
                              "foreverypart { foreverypart { foreverypart { foreverypart {"
                              "foreverypart { keep; } } } } }")
                   .empty());
}

// RFC 5703 §6: the replaced message is what later tests see.
TEST(Mime, ReplaceMessage) {
  const RunOutput out = run(
      "require [\"replace\", \"mime\", \"fileinto\"];\n"
      "replace :subject \"cleaned\" \"The attachment was removed.\";\n"
      "if allof (header :is \"subject\" \"cleaned\",\n"
      "          header :mime :contenttype \"Content-Type\" \"text/plain\") { fileinto \"ok\"; }",
      kMultipart);
  EXPECT_EQ(describe(out), (V{"fileinto ok"}));
}

// RFC 5703 §7: the message becomes an attachment of a new one.
TEST(Mime, EncloseMessage) {
  const RunOutput out =
      run("require [\"enclose\", \"mime\", \"fileinto\"];\n"
          "enclose :subject \"Warning\" :headers \"X-Note: enclosed\" \"See the attachment.\";\n"
          "if allof (header :is \"subject\" \"Warning\", exists \"X-Note\",\n"
          "          header :mime :anychild :contenttype \"Content-Type\" \"message/rfc822\")\n"
          "{ fileinto \"ok\"; }",
          kMultipart);
  EXPECT_EQ(describe(out), (V{"fileinto ok"}));
}

constexpr std::string_view kNested =
    "From: a@example.com\r\n"
    "Subject: nested\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=O\r\n"
    "\r\n"
    "--O\r\n"
    "Content-Type: multipart/alternative; boundary=I\r\n"
    "\r\n"
    "--I\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "plain text\r\n"
    "--I\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>html text</p>\r\n"
    "--I--\r\n"
    "--O\r\n"
    "Content-Type: application/zip; name=\"a.zip\"\r\n"
    "\r\n"
    "UEsDBA==\r\n"
    "--O--\r\n";

// Issue 20.7, RFC 5703 §5: inside foreverypart, replace acts on the current
// part; the other parts and the message's header stay.
TEST(Mime, ReplaceInsideLoopReplacesCurrentPart) {
  const RunOutput out =
      run("require [\"replace\", \"foreverypart\", \"mime\", \"body\", \"fileinto\"];\n"
          "foreverypart {\n"
          "  if header :mime :type \"Content-Type\" \"application\" {\n"
          "    replace :subject \"ignored\" \"The attachment was removed.\";\n"
          "    if header :mime :contenttype \"Content-Type\" \"text/plain\" { fileinto "
          "\"now-text\"; }\n"
          "  }\n"
          "}\n"
          "if header :mime :anychild :contenttype \"Content-Type\" \"application/zip\" {\n"
          "  fileinto \"still-zip\"; }\n"
          "if allof (header :is \"Subject\" \"parts\", exists \"To\",\n"
          "          header :mime :contenttype \"Content-Type\" \"multipart/mixed\",\n"
          "          body :text :contains \"Hello there\",\n"
          "          body :text :contains \"The attachment was removed.\") { fileinto \"ok\"; }",
          kMultipart);
  EXPECT_EQ(out.status, RunOutput::Status::Ok) << (out.errors.empty() ? "" : out.errors[0]);
  EXPECT_EQ(describe(out), (V{"fileinto now-text", "fileinto ok"}));
}

// Replacing a multipart part: the running loop does not go into its old
// children; a later loop sees the new structure.
TEST(Mime, ReplaceInsideLoopDropsReplacedChildren) {
  const RunOutput out =
      run("require [\"replace\", \"foreverypart\", \"mime\", \"variables\", \"fileinto\"];\n"
          "set \"seen\" \"\";\n"
          "foreverypart {\n"
          "  if header :mime :subtype \"Content-Type\" \"alternative\" {\n"
          "    replace :mime \"Content-Type: text/plain\r\n\r\nflattened\r\n\";\n"
          "  }\n"
          "  if header :mime :contenttype :matches \"Content-Type\" \"*\" { set \"seen\" "
          "\"${seen}[${1}]\"; }\n"
          "}\n"
          "set \"after\" \"\";\n"
          "foreverypart {\n"
          "  if header :mime :contenttype :matches \"Content-Type\" \"*\" { set \"after\" "
          "\"${after}[${1}]\"; }\n"
          "}\n"
          "if string :is \"${seen}\" \"[multipart/mixed][text/plain][application/zip]\" {\n"
          "  fileinto \"seen-ok\"; }\n"
          "if string :is \"${after}\" \"[multipart/mixed][text/plain][application/zip]\" {\n"
          "  fileinto \"after-ok\"; }",
          kNested);
  EXPECT_EQ(out.status, RunOutput::Status::Ok) << (out.errors.empty() ? "" : out.errors[0]);
  EXPECT_EQ(describe(out), (V{"fileinto seen-ok", "fileinto after-ok"}));
}

// Several edits in one loop, nested loops, and an editheader edit: each
// makes a new message; the loops keep working on the current one.
TEST(Mime, RepeatedEditsInsideNestedLoops) {
  const RunOutput out =
      run("require [\"replace\", \"foreverypart\", \"mime\", \"variables\", \"editheader\", "
          "\"body\", \"fileinto\"];\n"
          "addheader \"X-Before\" \"1\";\n"
          "foreverypart {\n"
          "  foreverypart {\n"
          "    if header :mime :type \"Content-Type\" \"text\" {\n"
          "      addheader \"X-Seen\" \"yes\";\n"
          "      replace \"text was here\";\n"
          "    }\n"
          "  }\n"
          "}\n"
          "if allof (exists \"X-Before\", exists \"X-Seen\",\n"
          "          not body :text :contains \"plain text\",\n"
          "          not body :text :contains \"html text\",\n"
          "          body :text :contains \"text was here\",\n"
          "          header :mime :anychild :contenttype \"Content-Type\" \"application/zip\")\n"
          "{ fileinto \"ok\"; }",
          kNested);
  EXPECT_EQ(out.status, RunOutput::Status::Ok) << (out.errors.empty() ? "" : out.errors[0]);
  EXPECT_EQ(describe(out), (V{"fileinto ok"}));
}

// Replace at the loop's first part (the message itself) replaces the whole
// message, with :subject, and ends the loop.
TEST(Mime, ReplaceInsideLoopAtTheMessage) {
  const RunOutput out = run(
      "require [\"replace\", \"foreverypart\", \"mime\", \"variables\", \"fileinto\"];\n"
      "set \"n\" \"\";\n"
      "foreverypart { set \"n\" \"${n}x\"; replace :subject \"new\" \"all gone\"; }\n"
      "if allof (string :is \"${n}\" \"x\", header :is \"Subject\" \"new\") { fileinto \"ok\"; }",
      kMultipart);
  EXPECT_EQ(out.status, RunOutput::Status::Ok) << (out.errors.empty() ? "" : out.errors[0]);
  EXPECT_EQ(describe(out), (V{"fileinto ok"}));
}

// enclose inside a loop encloses the whole message (RFC 5703 §6); the loop
// goes on over the same parts, now inside the new message/rfc822 part.
TEST(Mime, EncloseInsideLoop) {
  const RunOutput out =
      run("require [\"enclose\", \"foreverypart\", \"mime\", \"variables\", \"fileinto\"];\n"
          "set \"seen\" \"\";\n"
          "foreverypart {\n"
          "  if header :mime :type \"Content-Type\" \"application\" { enclose \"Careful.\"; }\n"
          "  if header :mime :contenttype :matches \"Content-Type\" \"*\" { set \"seen\" "
          "\"${seen}[${1}]\"; }\n"
          "}\n"
          "if string :is \"${seen}\" \"[multipart/mixed][text/plain][application/zip]\" {\n"
          "  fileinto \"loop-ok\"; }\n"
          "if header :mime :anychild :contenttype \"Content-Type\" \"message/rfc822\" {\n"
          "  fileinto \"enclosed\"; }",
          kMultipart);
  EXPECT_EQ(out.status, RunOutput::Status::Ok) << (out.errors.empty() ? "" : out.errors[0]);
  EXPECT_EQ(describe(out), (V{"fileinto loop-ok", "fileinto enclosed"}));
}

// Issue 15.2: values a script builds cannot add fields to the edited
// message: line breaks fold, a :from with controls and an :headers entry
// without a field name are run-time errors.
TEST(Mime, ReplaceAndEncloseCannotInjectFields) {
  const std::string req =
      "require [\"replace\", \"enclose\", \"variables\", \"encoded-character\", "
      "\"fileinto\"];\nset \"nl\" \"${hex:0d 0a}\";\n";
  RunOutput out = run(req +
                          "replace :subject \"a${nl}Bcc: evil@x.example\" \"new body\";\n"
                          "if exists \"Bcc\" { fileinto \"injected\"; }",
                      kMultipart);
  EXPECT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_EQ(describe(out), V{});
  out = run(req +
                "enclose :headers \"X-Note: a${nl}Bcc: evil@x.example\" \"see\";\n"
                "if exists \"Bcc\" { fileinto \"injected\"; }",
            kMultipart);
  EXPECT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_EQ(describe(out), V{});
  out = run(req + "replace :from \"Me${nl}Bcc: evil@x.example <me@b.example>\" \"x\";", kMultipart);
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
  out = run(req + "enclose :headers \"${nl}Bcc evil\" \"x\";", kMultipart);
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
}

}  // namespace
}  // namespace zest::interp
