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
