// Helpers of the interpreter unit tests: compile a script, run it against
// a message, and look at the result.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "interp/compiler.hpp"
#include "interp/program.hpp"
#include "interp/registry.hpp"
#include "interp/settings.hpp"
#include "interp/vm.hpp"
#include "mail/message.hpp"

namespace zest::interp::testing {

inline const Registry& registry() {
  static const Registry r;
  return r;
}

// Every diagnostic in the short form "t:line:col: error: text", one a line.
inline std::string diag_text(const grammar::Diagnostics& d) {
  std::string out;
  for (const auto& x : d.all()) out += grammar::format_short("t", x) + "\n";
  return out;
}

inline Program compile_ok(std::string_view src, const EngineSettings& settings = {}) {
  auto r = compile(src, registry(), settings);
  EXPECT_TRUE(r.program.has_value()) << diag_text(r.diags) << "in script:\n" << src;
  if (!r.program) return Program{};
  return std::move(*r.program);
}

// The errors of a script that must not compile ("" when it compiled).
inline std::string compile_errors(std::string_view src, const EngineSettings& settings = {}) {
  auto r = compile(src, registry(), settings);
  if (r.program) return {};
  EXPECT_TRUE(r.diags.has_errors());
  return diag_text(r.diags);
}

inline constexpr std::string_view kMessage =
    "From: Coyote <coyote@desert.example.org>\r\n"
    "To: roadrunner@acme.example.com\r\n"
    "Subject: I have a present for you\r\n"
    "X-Caffeine: C8H10N4O2\r\n"
    "\r\n"
    "Look, I'm sorry about the whole anvil thing.\r\n";

inline Envelope default_envelope() {
  Envelope e;
  e.from = "coyote@desert.example.org";
  e.to = "roadrunner@acme.example.com";
  e.orig_to = e.to;
  return e;
}

// Compiles and runs `src`; a script that does not compile fails the test.
inline RunOutput run(std::string_view src, std::string_view message = kMessage,
                     const EngineSettings& settings = {},
                     const Envelope& envelope = default_envelope()) {
  auto r = compile(src, registry(), settings);
  EXPECT_TRUE(r.program.has_value()) << diag_text(r.diags) << "in script:\n" << src;
  if (!r.program) return RunOutput{RunOutput::Status::RuntimeError, {}, true, {}, {"no program"}};
  const mail::Message msg{std::string(message)};
  Host host;
  return run_program(*r.program, msg, envelope, host, settings, registry());
}

// A one-line description of each action, for compact assertions.
inline std::vector<std::string> describe(const RunOutput& out) {
  std::vector<std::string> v;
  for (const auto& a : out.actions) {
    std::string s(action_name(a));
    if (const auto* f = std::get_if<FileintoAction>(&a)) {
      s += " " + f->mailbox;
      if (f->copy) s += " :copy";
    } else if (const auto* r = std::get_if<RedirectAction>(&a)) {
      s += " " + r->address;
      if (r->copy) s += " :copy";
    }
    for (const auto& fl : std::visit(
             [](const auto& x) -> Flags {
               if constexpr (requires { x.flags; })
                 return x.flags;
               else
                 return {};
             },
             a))
      s += " +" + fl;
    v.push_back(s);
  }
  return v;
}

// Whether `test` (a Sieve test) is true for `message`.
inline bool test_true(std::string_view requires_, std::string_view test,
                      std::string_view message = kMessage) {
  const std::string src = std::string(requires_) + "if " + std::string(test) + " { discard; }";
  const RunOutput out = run(src, message);
  EXPECT_EQ(out.status, RunOutput::Status::Ok) << src;
  return !out.implicit_keep;
}

}  // namespace zest::interp::testing
