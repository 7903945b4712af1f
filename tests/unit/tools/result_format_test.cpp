// format_json follows ../shared/design/sieve-test-json.md exactly: field
// names, types and canonical forms; format_text follows Pigeonhole's layout.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "interp/compiler.hpp"
#include "interp/registry.hpp"
#include "mail/message.hpp"
#include "tools/result_format.hpp"

namespace zest::tools {
namespace {

using json = nlohmann::json;
using interp::RunOutput;

std::vector<std::string> keys_of(const json& j) {
  std::vector<std::string> k;
  for (auto it = j.begin(); it != j.end(); ++it) k.push_back(it.key());
  std::sort(k.begin(), k.end());
  return k;
}

using Keys = std::vector<std::string>;

interp::FileintoAction fileinto(std::string mailbox, interp::Flags flags = {}, bool copy = false,
                                bool create = false) {
  interp::FileintoAction f;
  f.mailbox = std::move(mailbox);
  f.flags = std::move(flags);
  f.copy = copy;
  f.create = create;
  return f;
}
interp::RedirectAction redirect(std::string address, bool copy = false) {
  interp::RedirectAction r;
  r.address = std::move(address);
  r.copy = copy;
  return r;
}

void expect_top_level(const json& j) {
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(keys_of(j),
            (Keys{"actions", "errors", "implicit_keep", "implicit_keep_flags", "status"}));
  EXPECT_TRUE(j["status"].is_string());
  EXPECT_TRUE(j["actions"].is_array());
  EXPECT_TRUE(j["implicit_keep"].is_boolean());
  EXPECT_TRUE(j["implicit_keep_flags"].is_array());
  EXPECT_TRUE(j["errors"].is_array());
  for (const auto& e : j["errors"]) EXPECT_TRUE(e.is_string());
  for (const auto& f : j["implicit_keep_flags"]) EXPECT_TRUE(f.is_string());
}

json parse(RunStatus status, const RunOutput& out, const std::vector<std::string>& errors = {}) {
  const std::string text = format_json(status, out, errors);
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  json j = json::parse(text);
  expect_top_level(j);
  return j;
}

TEST(FormatJson, SchemaExample) {
  // The example of the schema document, built as the interpreter would.
  RunOutput out;
  out.actions.push_back(fileinto("Lists/sieve-users", {"\\Seen"}, false, true));
  out.actions.push_back(redirect("bob.mobile@example.net", true));
  out.implicit_keep = false;
  const json j = parse(RunStatus::Ok, out);
  const json expected = json::parse(R"({
    "status": "ok",
    "actions": [
      {"type": "fileinto", "mailbox": "Lists/sieve-users", "flags": ["\\Seen"], "copy": false, "create": true},
      {"type": "redirect", "address": "bob.mobile@example.net", "copy": true}
    ],
    "implicit_keep": false,
    "implicit_keep_flags": [],
    "errors": []
  })");
  EXPECT_EQ(j, expected) << j.dump(2);
  // Top-level field order follows the document.
  const std::string text = format_json(RunStatus::Ok, out, {});
  EXPECT_LT(text.find("\"status\""), text.find("\"actions\""));
  EXPECT_LT(text.find("\"actions\""), text.find("\"implicit_keep\""));
  EXPECT_LT(text.find("\"implicit_keep_flags\""), text.find("\"errors\""));
}

TEST(FormatJson, EachActionTypeHasExactlyItsFields) {
  RunOutput out;
  out.actions.push_back(interp::KeepAction{{"\\Flagged"}, false});
  out.actions.push_back(fileinto("A"));
  out.actions.push_back(redirect("a@example.com"));
  out.actions.push_back(interp::DiscardAction{});
  interp::RejectAction reject;
  reject.reason = "go away\r\nnow";
  out.actions.push_back(reject);
  out.implicit_keep = false;
  const json j = parse(RunStatus::Ok, out);
  const json& a = j["actions"];
  ASSERT_EQ(a.size(), 5u);

  EXPECT_EQ(keys_of(a[0]), (Keys{"flags", "type"}));
  EXPECT_EQ(a[0]["type"], "keep");
  EXPECT_EQ(a[0]["flags"], json::array({"\\Flagged"}));

  EXPECT_EQ(keys_of(a[1]), (Keys{"copy", "create", "flags", "mailbox", "type"}));
  EXPECT_EQ(a[1]["type"], "fileinto");
  EXPECT_TRUE(a[1]["mailbox"].is_string());
  EXPECT_TRUE(a[1]["flags"].is_array());
  EXPECT_EQ(a[1]["flags"], json::array());
  EXPECT_TRUE(a[1]["copy"].is_boolean());
  EXPECT_TRUE(a[1]["create"].is_boolean());

  EXPECT_EQ(keys_of(a[2]), (Keys{"address", "copy", "type"}));
  EXPECT_EQ(a[2]["type"], "redirect");
  EXPECT_EQ(a[2]["address"], "a@example.com");
  EXPECT_EQ(a[2]["copy"], false);

  EXPECT_EQ(keys_of(a[3]), (Keys{"type"}));
  EXPECT_EQ(a[3]["type"], "discard");

  EXPECT_EQ(keys_of(a[4]), (Keys{"reason", "type"}));
  EXPECT_EQ(a[4]["type"], "reject");
  EXPECT_EQ(a[4]["reason"], "go away\nnow");  // CRLF becomes LF
}

TEST(FormatJson, VacationFields) {
  RunOutput out;
  interp::VacationAction v;
  v.seconds = 7 * 86400;
  v.subject = "Away";
  v.reason = "Back\r\nsoon";
  v.addresses = {"me@example.com"};
  out.actions.push_back(v);
  const json a = parse(RunStatus::Ok, out)["actions"][0];
  EXPECT_EQ(keys_of(a), (Keys{"from", "handle", "reason", "seconds", "subject", "type"}));
  EXPECT_TRUE(a["seconds"].is_number_integer());
  EXPECT_EQ(a["seconds"], 604800);
  EXPECT_EQ(a["subject"], "Away");
  EXPECT_TRUE(a["from"].is_null());
  EXPECT_TRUE(a["handle"].is_null());
  EXPECT_EQ(a["reason"], "Back\nsoon");
}

TEST(FormatJson, NotifyHasTheListedFields) {
  RunOutput out;
  interp::NotifyAction n;
  n.uri = "mailto:alice@example.com";
  n.method = "mailto";
  n.message = "You got mail";
  out.actions.push_back(n);
  const json a = parse(RunStatus::Ok, out)["actions"][0];
  for (const char* k :
       {"type", "method", "importance", "from", "subject", "recipients", "headers", "body"})
    EXPECT_TRUE(a.contains(k)) << k;
  EXPECT_EQ(a["type"], "notify");
  EXPECT_EQ(a["method"], "mailto");
  EXPECT_TRUE(a["importance"].is_number_integer());
  EXPECT_TRUE(a["recipients"].is_array());
  EXPECT_TRUE(a["headers"].is_array());
  EXPECT_EQ(a["subject"], "You got mail");
}

TEST(FormatJson, RuntimeErrorHasNoActionsAndKeeps) {
  RunOutput out;  // what finish_run gives for a failed run...
  out.status = RunOutput::Status::RuntimeError;
  // ...but even if actions were left in it, they are not reported.
  out.actions.push_back(interp::DiscardAction{});
  out.implicit_keep = false;
  out.implicit_keep_flags = {"\\Seen"};
  const json j = parse(RunStatus::RuntimeError, out, {"line 3: too many redirects"});
  EXPECT_EQ(j["status"], "runtime_error");
  EXPECT_EQ(j["actions"], json::array());
  EXPECT_EQ(j["implicit_keep"], true);
  EXPECT_EQ(j["implicit_keep_flags"], json::array());
  EXPECT_EQ(j["errors"], json::array({"line 3: too many redirects"}));
}

TEST(FormatJson, CompileError) {
  const json j = parse(RunStatus::CompileError, RunOutput{}, {"t.sieve:1:1: error: x"});
  EXPECT_EQ(j["status"], "compile_error");
  EXPECT_EQ(j["actions"], json::array());
  EXPECT_EQ(j["implicit_keep"], true);
  EXPECT_EQ(j["implicit_keep_flags"], json::array());
}

TEST(FormatJson, ImplicitKeepFlagsOnlyWhenKeeping) {
  RunOutput out;
  out.implicit_keep = true;
  out.implicit_keep_flags = {"$Invoice", "\\Draft"};
  EXPECT_EQ(parse(RunStatus::Ok, out)["implicit_keep_flags"], json::array({"$Invoice", "\\Draft"}));
  out.implicit_keep = false;
  EXPECT_EQ(parse(RunStatus::Ok, out)["implicit_keep_flags"], json::array());
}

// End to end: a script's run through the interpreter, then the JSON.
json run_script(std::string_view src) {
  static const interp::Registry registry;
  const interp::EngineSettings settings;
  auto c = interp::compile(src, registry, settings);
  EXPECT_TRUE(c.program.has_value());
  if (!c.program) return {};
  const mail::Message msg{std::string("From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n")};
  interp::Envelope env;
  env.from = "a@example.com";
  env.to = "b@example.org";
  interp::Host host;
  const RunOutput out = interp::run_program(*c.program, msg, env, host, settings, registry);
  return parse(out.status == RunOutput::Status::Ok ? RunStatus::Ok : RunStatus::RuntimeError, out,
               out.errors);
}

TEST(FormatJson, CanonicalFormsFromTheInterpreter) {
  // fileinto INBOX in any case is a keep; keep + fileinto INBOX is one keep.
  json j = run_script("require \"fileinto\"; fileinto \"inbox\"; keep;");
  EXPECT_EQ(j["actions"], json::parse(R"([{"type": "keep", "flags": []}])"));
  EXPECT_EQ(j["implicit_keep"], false);
  // INBOX as first component is upper-cased.
  j = run_script("require \"fileinto\"; fileinto \"Inbox/Lists\";");
  EXPECT_EQ(j["actions"][0]["mailbox"], "INBOX/Lists");
  // Redirect addresses carry no angle brackets; duplicates are merged.
  j = run_script("redirect \"Bob <bob@Example.NET>\"; redirect \"bob@Example.NET\";");
  ASSERT_EQ(j["actions"].size(), 1u) << j.dump();
  EXPECT_EQ(j["actions"][0]["address"], "bob@Example.NET");
  // Empty script: no actions, implicit keep.
  j = run_script("");
  EXPECT_EQ(j["actions"], json::array());
  EXPECT_EQ(j["implicit_keep"], true);
  EXPECT_EQ(j["implicit_keep_flags"], json::array());
}

TEST(FormatJson, RuntimeErrorFromTheInterpreter) {
  std::string src;
  for (int i = 0; i < 10; ++i) src += "redirect \"u" + std::to_string(i) + "@example.com\";\n";
  const json j = run_script(src);
  EXPECT_EQ(j["status"], "runtime_error");
  EXPECT_EQ(j["actions"], json::array());
  EXPECT_EQ(j["implicit_keep"], true);
  ASSERT_EQ(j["errors"].size(), 1u);
}

TEST(FormatText, NotifyActionsAsDocumented) {
  // The example of docs/sieve-test.md, "Notify actions".
  RunOutput out;
  interp::NotifyAction n;
  n.uri = "mailto:carol@example.net?subject=Report";
  n.method = "mailto";
  n.importance = 1;
  n.from = "alice@example.org";
  n.options = {"channel=ops", "tag=q"};
  n.message = "Report from Bob";
  out.actions.push_back(n);
  interp::NotifyAction x;
  x.uri = "xmpp:alice@example.org?message;subject=Mail";
  x.method = "xmpp";
  out.actions.push_back(x);
  EXPECT_EQ(format_text(out),
            "\nPerformed actions:\n\n"
            " * send notification with method 'mailto:carol@example.net?subject=Report'\n"
            "        => importance: 1\n"
            "        => from: alice@example.org\n"
            "        => option: channel=ops\n"
            "        => option: tag=q\n"
            "        => message: Report from Bob\n"
            " * send notification with method 'xmpp:alice@example.org?message;subject=Mail'\n"
            "        => importance: 2\n"
            "\nImplicit keep:\n\n"
            " * store message in folder: INBOX\n\n");
}

TEST(FormatText, PigeonholeLayout) {
  RunOutput out;
  out.actions.push_back(fileinto("Lists/x"));
  out.actions.push_back(redirect("a@example.com"));
  out.implicit_keep = false;
  EXPECT_EQ(format_text(out),
            "\nPerformed actions:\n\n"
            " * store message in folder: Lists/x\n"
            " * redirect message to: a@example.com\n"
            "\nImplicit keep:\n\n"
            "  (none)\n\n");
  RunOutput keep_only;
  EXPECT_EQ(format_text(keep_only),
            "\nPerformed actions:\n\n"
            "  (none)\n"
            "\nImplicit keep:\n\n"
            " * store message in folder: INBOX\n\n");
}

}  // namespace
}  // namespace zest::tools
