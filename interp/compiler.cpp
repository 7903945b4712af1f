// Code generation in one walk over the syntax tree: the checker turns each
// node into a CheckedCall (or reports why it cannot), and the call is emitted
// at once.
#include "interp/compiler.hpp"

#include <algorithm>
#include <functional>
#include <string_view>
#include <vector>

#include "grammar/parse.hpp"
#include "interp/checker.hpp"

namespace zest::interp {
namespace {

using grammar::Node;

bool is_control_test(std::string_view n) {
  return n == "allof" || n == "anyof" || n == "not" || n == "true" || n == "false";
}

// The program's string pool, interned: an open-addressing table of pool
// indices (a 2000-rule script interns thousands of strings), looked up by
// view, so interning allocates nothing per string. A plain string and a
// template of the same text are different entries.
class StringPool {
 public:
  std::uint32_t intern(Program& p, std::string_view s, bool is_template) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    const auto h = static_cast<std::uint32_t>(hash(s, is_template));
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.index == kEmpty) {
        slot = Slot{p.add_string(s, is_template), h};
        ++count_;
        return slot.index;
      }
      if (slot.hash == h && p.strings[slot.index].is_template == is_template &&
          p.text(slot.index) == s)
        return slot.index;
    }
  }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    std::uint32_t index = kEmpty;  // into Program::strings
    std::uint32_t hash = 0;        // kept so that growing rehashes nothing
  };
  static std::size_t hash(std::string_view s, bool is_template) {
    return std::hash<std::string_view>{}(s) ^ (is_template ? 0x9e3779b9u : 0u);
  }
  void grow() {
    std::vector<Slot> old(std::max<std::size_t>(256, slots_.size() * 2));
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.index == kEmpty) continue;
      std::size_t i = slot.hash & mask;
      while (slots_[i].index != kEmpty) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;  // size a power of two, at most half full
  std::size_t count_ = 0;
};

class Compiler {
 public:
  Compiler(const Registry& registry, const EngineSettings& settings, grammar::Diagnostics& diags,
           CompileEnv* env)
      : checker_(registry, settings, diags, env) {}

  std::optional<Program> run(const grammar::Script& script) {
    compile_block(script.commands, 0, true);
    checker_.check_script_end(script);
    if (checker_.has_errors()) return std::nullopt;
    emit(Op::Stop, script.commands.empty() ? 1 : script.commands.back().loc.line);
    program_.extensions = checker_.capabilities_used();
    return std::move(program_);
  }

 private:
  using Label = std::vector<std::size_t>;  // instructions whose target awaits a value

  std::size_t emit(Op op, std::uint32_t line) {
    program_.code.push_back(Instr{op, 0, 0, 0, 0});
    program_.lines.push_back(line);
    return program_.code.size() - 1;
  }
  void bind(Label& label) {
    for (std::size_t at : label) program_.code[at].target = static_cast<std::uint32_t>(here());
    label.clear();
  }
  std::size_t here() const { return program_.code.size(); }

  std::uint32_t intern(std::string_view s, bool is_template) {
    return pool_.intern(program_, s, is_template);
  }

  std::uint32_t command_index(const CommandSpec* spec) {
    for (std::size_t i = 0; i < program_.commands.size(); ++i)
      if (program_.commands[i].spec == spec) return static_cast<std::uint32_t>(i);
    program_.commands.push_back({spec->name, spec->is_test, spec});
    return static_cast<std::uint32_t>(program_.commands.size() - 1);
  }

  void emit_call(Op op, const CheckedCall& call) {
    const std::size_t at = emit(op, call.loc.line);
    Instr& in = program_.code[at];
    in.command = command_index(call.spec);
    in.args_first = static_cast<std::uint32_t>(program_.args.size());
    for (const CheckedArg& a : call.args) {
      ArgValue v{a.slot, a.kind, a.number, 0, 0};
      if (a.kind == ArgKind::String) {
        v.first = intern(a.strings.front(), a.templates.front());
      } else if (a.kind == ArgKind::StringList) {
        v.first = static_cast<std::uint32_t>(program_.string_refs.size());
        v.count = static_cast<std::uint32_t>(a.strings.size());
        for (std::size_t i = 0; i < a.strings.size(); ++i)
          program_.string_refs.push_back(intern(a.strings[i], a.templates[i]));
      }
      program_.args.push_back(v);
    }
    program_.code[at].args_count =
        static_cast<std::uint32_t>(program_.args.size() - program_.code[at].args_first);
  }

  // ---- commands ----

  void compile_block(grammar::Seq<Node> nodes, std::size_t depth, bool top) {
    bool requires_allowed = top;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (checker_.too_many_errors()) return;
      const Node& n = nodes[i];
      if (n.identifier == "require") {
        checker_.check_require(n, requires_allowed);
        continue;
      }
      if (requires_allowed && top) checker_.check_needs(n.loc);
      requires_allowed = false;
      if (n.identifier == "if") {
        i = compile_if(nodes, i, depth);
        continue;
      }
      if (n.identifier == "elsif" || n.identifier == "else") {
        i = checker_.check_orphan_branch(nodes, i);
        continue;
      }
      compile_command(n, depth);
    }
  }

  std::size_t compile_if(grammar::Seq<Node> nodes, std::size_t i, std::size_t depth) {
    Label end;
    for (bool first = true; i < nodes.size(); ++i, first = false) {
      const Node& n = nodes[i];
      const bool is_else = n.identifier == "else";
      if (!first && n.identifier != "elsif" && !is_else) break;
      checker_.check_branch(n);
      if (!checker_.nesting_ok(n, depth)) return i;
      Label next;
      bool skip_body = false;
      if (!is_else && n.tests.size() == 1) {
        // A constant false condition: the body is neither checked nor emitted,
        // as Pigeonhole does (the testsuite relies on it).
        skip_body = n.tests[0].identifier == "false" && n.tests[0].arguments.empty();
        compile_cond(n.tests[0], false, next, depth + 1);
      }
      // RFC 5463: a block guarded by `ihave` is compiled with those
      // capabilities required, or not at all when one is unavailable.
      Checker::IhaveScope ihave;
      if (!is_else && n.tests.size() == 1) ihave = checker_.enter_ihave(n.tests[0]);
      if (!ihave.unavailable && !skip_body) compile_block(n.block, depth + 1, false);
      checker_.leave_ihave(std::move(ihave));
      const bool more = i + 1 < nodes.size() &&
                        (nodes[i + 1].identifier == "elsif" || nodes[i + 1].identifier == "else");
      if (more && !is_else) end.push_back(emit(Op::Jump, n.loc.line));
      bind(next);
      if (is_else) {
        ++i;
        break;
      }
    }
    bind(end);
    return i - 1;
  }

  void compile_command(const Node& n, std::size_t depth) {
    if (n.identifier == "stop") {
      checker_.check_stop(n);
      emit(Op::Stop, n.loc.line);
      return;
    }
    const CommandSpec* spec = checker_.lookup(n, false);
    if (!spec) return;
    if (!checker_.nesting_ok(n, depth)) return;
    auto call = checker_.check_call(n, spec);
    if (!call) {
      if (n.has_block) compile_block(n.block, depth + 1, false);  // still report errors inside
      return;
    }
    if (spec->name == "return" && spec->extension == "include") {
      emit(Op::Return, n.loc.line);  // RFC 6609: ends the current script only
      return;
    }
    if (spec->block == BlockRule::Required) {
      const std::size_t begin = here();
      emit_call(Op::BlockBegin, *call);
      checker_.enter_block(*call);
      compile_block(n.block, depth + 1, false);
      checker_.leave_block();
      emit(Op::BlockEnd, n.loc.line);
      program_.code[begin].target = static_cast<std::uint32_t>(here());
      checker_.recycle(std::move(*call));
      return;
    }
    emit_call(Op::Command, *call);
    checker_.recycle(std::move(*call));
  }

  // ---- tests: jump to `target` when the test evaluates to `jump_when` ----

  void compile_cond(const Node& t, bool jump_when, Label& target, std::size_t depth) {
    if (!checker_.nesting_ok(t, depth)) return;
    const std::string_view id = t.identifier;
    if (is_control_test(id)) {
      if (!checker_.check_control_test(t)) return;
      if (id == "true" || id == "false") {
        if ((id == "true") == jump_when) target.push_back(emit(Op::Jump, t.loc.line));
        return;
      }
      if (id == "not") {
        compile_cond(t.tests[0], !jump_when, target, depth + 1);
        return;
      }
      const bool is_all = id == "allof";
      // allof jumping when false / anyof jumping when true: each element
      // can decide alone. Otherwise all but the last skip over the jump.
      if (is_all != jump_when) {
        for (const Node& sub : t.tests) compile_cond(sub, jump_when, target, depth + 1);
        return;
      }
      Label skip;
      for (std::size_t k = 0; k + 1 < t.tests.size(); ++k)
        compile_cond(t.tests[k], !jump_when, skip, depth + 1);
      compile_cond(t.tests.back(), jump_when, target, depth + 1);
      bind(skip);
      return;
    }
    const CommandSpec* spec = checker_.lookup(t, true);
    if (!spec) return;
    auto call = checker_.check_call(t, spec);
    if (!call) return;
    emit_call(Op::Test, *call);
    checker_.recycle(std::move(*call));
    target.push_back(emit(jump_when ? Op::JumpIfTrue : Op::JumpIfFalse, t.loc.line));
  }

  Checker checker_;
  Program program_;
  StringPool pool_;
};

}  // namespace

CompileResult compile_tree(const grammar::Script& script, const Registry& registry,
                           const EngineSettings& settings, grammar::Diagnostics diags,
                           CompileEnv* env) {
  CompileResult out{std::nullopt, std::move(diags)};
  Compiler c(registry, settings, out.diags, env);
  auto program = c.run(script);
  if (!out.diags.has_errors()) out.program = std::move(program);
  return out;
}

grammar::ParseLimits parse_limits(const EngineSettings& settings) {
  grammar::ParseLimits limits;
  // The grammar's hard bound only protects the stack; the limits scripts
  // see are Pigeonhole's separate block, test and argument limits.
  limits.max_nesting = std::max<std::size_t>(1024, settings.max_nesting * 4);
  limits.max_block_nesting = settings.max_nesting;
  limits.max_test_nesting = settings.max_nesting;
  limits.max_arguments = 32;
  limits.max_errors = settings.max_errors;
  return limits;
}

CompileResult compile(std::string_view source, const Registry& registry,
                      const EngineSettings& settings, CompileEnv* env) {
  if (source.size() > settings.max_script_size) {
    CompileResult out;
    out.diags.error(
        {1, 1}, "script is too large (max " + std::to_string(settings.max_script_size) + " bytes)");
    return out;
  }
  auto parsed = grammar::parse(source, parse_limits(settings));
  if (parsed.diags.has_errors()) return CompileResult{std::nullopt, std::move(parsed.diags)};
  return compile_tree(parsed.script, registry, settings, std::move(parsed.diags), env);
}

}  // namespace zest::interp
