// RFC 5173 body: the examples of §7 and the transforms of §5.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::describe;
using testing::run;
using testing::test_true;
using V = std::vector<std::string>;

constexpr std::string_view kReq = "require [\"body\", \"fileinto\"];\n";

constexpr std::string_view kMultipart =
    "From: a@example.org\r\n"
    "Subject: parts\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=b1\r\n"
    "\r\n"
    "Prologue text.\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "The missile coordinates are caf=E9.\r\n"
    "--b1\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<html><body><p>Hello &amp; welcome</p></body></html>\r\n"
    "--b1\r\n"
    "Content-Type: audio/mp3\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "SUQzAwAAAAAA\r\n"
    "--b1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: inner@example.org\r\n"
    "Subject: inner\r\n"
    "\r\n"
    "Inner body text.\r\n"
    "--b1--\r\n"
    "Epilogue text.\r\n";

TEST(ExtBody, Rfc5173Section7Examples) {
  const std::string script =
      std::string(kReq) +
      "if body :content \"text\" :contains [\"missile\", \"coordinates\"] {\n"
      "  fileinto \"secrets\";\n}\n"
      "if body :content \"audio/mp3\" :contains \"\" {\n"
      "  fileinto \"jukebox\";\n}\n";
  EXPECT_EQ(describe(run(script, kMultipart)), (V{"fileinto secrets", "fileinto jukebox"}));
  const RunOutput plain = run(script);  // no body parts of those types
  EXPECT_TRUE(plain.actions.empty());
  EXPECT_TRUE(plain.implicit_keep);
}

TEST(ExtBody, RawIsTheUndecodedBody) {
  EXPECT_TRUE(test_true(kReq, "body :raw :contains \"caf=E9\"", kMultipart));
  EXPECT_TRUE(test_true(kReq, "body :raw :contains \"--b1\"", kMultipart));
  EXPECT_FALSE(test_true(kReq, "body :raw :contains \"café\"", kMultipart));
}

TEST(ExtBody, TextDecodesAndStripsMarkup) {
  EXPECT_TRUE(test_true(kReq, "body :text :contains \"café\"", kMultipart));
  EXPECT_TRUE(test_true(kReq, "body :contains \"Hello & welcome\"", kMultipart));
  EXPECT_FALSE(test_true(kReq, "body :text :contains \"<p>\"", kMultipart));
  EXPECT_FALSE(test_true(kReq, "body :text :contains \"SUQz\"", kMultipart));
  EXPECT_FALSE(test_true(kReq, "body :text :contains \"Prologue\"", kMultipart));
  EXPECT_TRUE(test_true(kReq, "body :text :contains \"Inner body\"", kMultipart));
}

TEST(ExtBody, ContentMultipartSearchesPrologueAndEpilogue) {
  EXPECT_TRUE(test_true(kReq, "body :content \"multipart\" :is \"Prologue text.\"", kMultipart));
  EXPECT_TRUE(test_true(kReq, "body :content \"multipart\" :contains \"Epilogue\"", kMultipart));
  EXPECT_FALSE(test_true(kReq, "body :content \"multipart\" :contains \"missile\"", kMultipart));
}

TEST(ExtBody, ContentMessageSearchesTheNestedHeader) {
  EXPECT_TRUE(
      test_true(kReq, "body :content \"message/rfc822\" :contains \"Subject: inner\"", kMultipart));
  EXPECT_FALSE(
      test_true(kReq, "body :content \"message/rfc822\" :contains \"Inner body\"", kMultipart));
}

TEST(ExtBody, ContentTypeSpecs) {
  EXPECT_TRUE(test_true(kReq, "body :content \"text/html\" :contains \"<p>\"", kMultipart));
  EXPECT_FALSE(test_true(kReq, "body :content \"text/plain\" :contains \"<p>\"", kMultipart));
  EXPECT_FALSE(test_true(kReq, "body :content \"text/\" :contains \"\"", kMultipart));
  EXPECT_FALSE(test_true(kReq, "body :content \"/html\" :contains \"\"", kMultipart));
  EXPECT_FALSE(test_true(kReq, "body :content \"text/html/x\" :contains \"\"", kMultipart));
  // The audio part is matched as transfer-decoded bytes ("ID3...").
  EXPECT_TRUE(test_true(kReq, "body :content \"\" :contains \"ID3\"", kMultipart));
  // text/plain, text/html and the text/plain body of the embedded message.
  EXPECT_TRUE(test_true("require [\"body\", \"relational\"];",
                        "body :content \"text\" :count \"eq\" \"3\"", kMultipart));
}

TEST(ExtBody, HeaderOnlyMessageHasNoBody) {
  constexpr std::string_view kNoBody = "From: a@example.org\r\nSubject: x\r\n";
  EXPECT_FALSE(test_true(kReq, "body :raw :contains \"\"", kNoBody));
  EXPECT_FALSE(test_true(kReq, "body :matches \"*\"", kNoBody));
  EXPECT_TRUE(test_true(kReq, "body :raw :is \"\"", "From: a@example.org\r\n\r\n"));
}

TEST(ExtBody, Errors) {
  EXPECT_NE(testing::compile_errors("require \"body\"; if body :raw :text \"x\" {}"), "");
  EXPECT_NE(testing::compile_errors("require \"body\"; if body :content \"x\" {}"), "");
  EXPECT_NE(testing::compile_errors("if body \"x\" {}"), "");
}

TEST(ExtBody, DoesNotSetMatchVariables) {
  const auto out =
      run("require [\"body\", \"variables\", \"fileinto\"];\n"
          "if header :matches \"subject\" \"*\" {}\n"
          "if body :raw :matches \"*anvil*\" {}\n"
          "fileinto \"${1}\";\n");
  EXPECT_EQ(describe(out), V{"fileinto I have a present for you"});
}

}  // namespace
}  // namespace zest::interp
