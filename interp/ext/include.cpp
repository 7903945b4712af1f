// RFC 6609 include: `include` (:personal/:global, :once, :optional),
// `return`, `global` and the "global." variable namespace.
//
// Included scripts are fetched through Host::include_source. When the
// compilation has a host (CompileEnv), each included script is compiled
// right away so that missing scripts, loops and limits are compile errors;
// at run time every included script is compiled on first use (cached for
// the run) and run by a nested Runtime/Vm that shares the result and the
// global variables. `return` is compiled to Op::Return.
#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/text.hpp"
#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/compiler.hpp"
#include "interp/ext/variables.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "interp/vm.hpp"

namespace zest::interp {
namespace {

constexpr Slot kName = 0;
constexpr Slot kPersonal = 16, kGlobal = 17, kOnce = 18, kOptional = 19;
constexpr std::size_t kDefaultMaxDepth = 10, kDefaultMaxIncludes = 255;

// An included script: (global location?, name without a ".sieve" suffix).
using Key = std::pair<bool, std::string>;

Key key_of(bool global, std::string_view name) {
  if (name.size() > 6 && name.substr(name.size() - 6) == ".sieve")
    name = name.substr(0, name.size() - 6);
  return {global, std::string(name)};
}

std::string describe(const Key& k) {
  return std::string(k.first ? "global" : "personal") + " script '" + k.second + "'";
}

std::size_t setting(const EngineSettings& s, std::string_view key, std::size_t fallback) {
  const std::string v = s.value(key);
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return ec == std::errc() && end == v.data() + v.size() && !v.empty() ? n : fallback;
}
std::size_t max_depth(const EngineSettings& s) {
  return setting(s, "include_max_nesting_depth", kDefaultMaxDepth);
}
std::size_t max_includes(const EngineSettings& s) {
  return setting(s, "include_max_includes", kDefaultMaxIncludes);
}

// Script names (RFC 5804 §1.6 rules as Pigeonhole applies them): UTF-8,
// no '/', no control characters, no line/paragraph separators.
bool valid_script_name(std::string_view name) {
  if (name.empty() || !base::valid_utf8(name)) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f || c == '/') return false;
    if (c == 0xc2 && i + 1 < name.size()) {  // U+0080..U+009F
      const auto d = static_cast<unsigned char>(name[i + 1]);
      if (d >= 0x80 && d <= 0x9f) return false;
    }
    if (c == 0xe2 && i + 2 < name.size() && static_cast<unsigned char>(name[i + 1]) == 0x80) {
      const auto d = static_cast<unsigned char>(name[i + 2]);
      if (d == 0xa8 || d == 0xa9) return false;  // U+2028, U+2029
    }
  }
  return true;
}

// ---- compile time ----

// Shared by a script's compilation and those of the scripts it includes.
struct CompileState {
  std::vector<Key> stack;  // scripts being compiled, outermost first
  std::set<Key> compiled;  // included scripts that compiled
};

// Per compilation: which names are global, which were used as locals, and
// whether the last include-extension declaration was import/export.
struct Declarations {
  std::set<std::string> globals, locals;
  bool after_other_command = false;
};

void check_include(CheckContext& ctx, CheckedCall& call) {
  const CheckedArg* name = call.find(kName);
  if (!name) return;
  if (call.find(kPersonal) && call.find(kGlobal)) {
    ctx.error(call.loc, "the include command cannot have both the :personal and :global tags");
    return;
  }
  if (!valid_script_name(name->str())) {
    ctx.error(name->loc, "include: invalid script name '" + name->str() + "'");
    return;
  }
  CompileEnv* env = ctx.env();
  if (!env || !env->host) return;  // checked when it runs
  auto& shared = env->shared[std::type_index(typeid(CompileState))];
  if (!shared) shared = std::make_shared<CompileState>();
  auto& st = *static_cast<CompileState*>(shared.get());

  const Key key = key_of(call.find(kGlobal) != nullptr, name->str());
  const bool once = call.find(kOnce) != nullptr;
  if (std::find(st.stack.begin(), st.stack.end(), key) != st.stack.end()) {
    if (!once) ctx.error(call.loc, "circular include of " + describe(key));
    return;
  }
  if (st.compiled.count(key)) return;
  if (st.stack.size() + 1 > max_depth(ctx.settings())) {
    ctx.error(call.loc, "cannot nest includes deeper than " +
                            std::to_string(max_depth(ctx.settings())) + " levels (including " +
                            describe(key) + ")");
    return;
  }
  if (st.compiled.size() + 1 > max_includes(ctx.settings())) {
    ctx.error(call.loc, "failed to include " + describe(key) + ": no more than " +
                            std::to_string(max_includes(ctx.settings())) + " includes are allowed");
    return;
  }
  const auto source = env->host->include_source(name->str(), key.first);
  if (!source) {
    if (!call.find(kOptional))
      ctx.error(name->loc, "included " + describe(key) + " does not exist");
    return;
  }
  st.stack.push_back(key);
  auto result = compile(*source, ctx.registry(), ctx.settings(), env);
  st.stack.pop_back();
  for (const auto& d : result.diags.all()) {
    if (d.severity == grammar::Severity::Error)
      ctx.diagnostics().error(d.loc, d.message);
    else
      ctx.warning(d.loc, d.message);
  }
  if (!result.program) {
    ctx.error(call.loc, "failed to compile included " + describe(key));
    return;
  }
  st.compiled.insert(key);
}

void check_global(CheckContext& ctx, CheckedCall& call) {
  const bool deprecated = call.spec->name != "global";
  auto& decl = ctx.state<Declarations>();
  if (!ctx.has("variables")) {
    ctx.error(call.loc, call.what() + " requires the variables extension to be active");
    return;
  }
  // The old import/export had to come first (global may come anywhere).
  if (deprecated && decl.after_other_command)
    ctx.error(call.loc, call.what() +
                            " must precede all commands other than require, "
                            "import and export");
  decl.after_other_command = !deprecated;
  const CheckedArg* names = call.find(0);
  for (std::size_t i = 0; names && i < names->strings.size(); ++i) {
    const std::string& n = names->strings[i];
    if (!variables::is_identifier(n) || n.size() > variables::kMaxNameLength) {
      ctx.error(names->loc, "invalid variable identifier '" + n + "' for " + call.what());
      continue;
    }
    if (decl.locals.count(base::to_lower(n))) {
      ctx.error(names->loc, "declaration of global variable '" + n +
                                "' occurs after definition of local variable with the same name");
      continue;
    }
    decl.globals.insert(base::to_lower(n));
  }
}

// ---- run time ----

// One run of a top-level script and everything it includes.
struct IncludeRun {
  std::map<std::string, std::string, std::less<>> globals;  // lower-case names
  std::vector<Key> stack;
  std::set<Key> included;
  std::map<Key, std::shared_ptr<const Program>> programs;
};
struct IncludeHandle {
  std::shared_ptr<IncludeRun> run;
};

IncludeRun& run_of(Runtime& rt) {
  auto& h = rt.state<IncludeHandle>();
  if (!h.run) h.run = std::make_shared<IncludeRun>();
  return *h.run;
}

void run_include(Runtime& rt, const Args& a) {
  const std::string name(rt.raw(*a.find(kName)));
  const Key key = key_of(a.has(kGlobal), name);
  IncludeRun& run = run_of(rt);
  if (a.has(kOnce) && run.included.count(key)) return;
  if (std::find(run.stack.begin(), run.stack.end(), key) != run.stack.end()) {
    rt.fail("circular include of " + describe(key));
    return;
  }
  if (run.stack.size() + 1 > max_depth(rt.settings())) {
    rt.fail("cannot nest includes deeper than " + std::to_string(max_depth(rt.settings())) +
            " levels");
    return;
  }
  if (!run.included.count(key) && run.included.size() + 1 > max_includes(rt.settings())) {
    rt.fail("failed to include " + describe(key) + ": no more than " +
            std::to_string(max_includes(rt.settings())) + " includes are allowed");
    return;
  }
  std::shared_ptr<const Program>& program = run.programs[key];
  if (!program) {
    const auto source = rt.host().include_source(name, key.first);
    if (!source) {
      run.programs.erase(key);
      if (!a.has(kOptional)) rt.fail("included " + describe(key) + " does not exist");
      return;
    }
    auto compiled = compile(*source, rt.registry(), rt.settings());
    if (!compiled.program) {
      for (const auto& d : compiled.diags.all())
        if (d.severity == grammar::Severity::Error)
          rt.log(LogLevel::Error,
                 describe(key) + ": line " + std::to_string(d.loc.line) + ": " + d.message);
      run.programs.erase(key);
      rt.fail("failed to compile included " + describe(key));
      return;
    }
    program = std::make_shared<const Program>(std::move(*compiled.program));
  }
  const std::shared_ptr<const Program> keep_alive = program;
  run.included.insert(key);
  run.stack.push_back(key);
  Runtime nested(*keep_alive, rt.message(), rt.envelope(), rt.host(), rt.settings(), rt.registry(),
                 rt.result());
  nested.state<IncludeHandle>().run = rt.state<IncludeHandle>().run;
  nested.share_cpu_budget(rt);
  nested.share_memory_budget(rt);
  nested.set_trace(rt.trace_sink());  // an included script is traced like its includer
  Vm vm(nested);
  const Vm::Outcome outcome = vm.run();
  run.stack.pop_back();
  if (outcome == Vm::Outcome::Failed) {
    const auto& e = nested.error();
    rt.fail(e ? "in included " + describe(key) + " (line " + std::to_string(e->line) +
                    "): " + e->message
              : "included " + describe(key) + " failed");
  } else if (outcome == Vm::Outcome::Stopped) {
    rt.request_stop();  // stop ends every script (RFC 6609 §3.2)
  }
}

}  // namespace

void register_include(Registry& r) {
  r.add_extension({"include"});
  {
    CommandSpec s;
    s.name = "include";
    s.extension = "include";
    s.positional = {{"script name", ArgKind::String}};
    s.literal_slots = {kName};  // RFC 6609 §3.2: a constant name
    s.tags = {
        {"personal", kPersonal}, {"global", kGlobal}, {"once", kOnce}, {"optional", kOptional}};
    s.check = check_include;
    s.run = run_include;
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "return";
    s.extension = "include";
    r.add_command(std::move(s));  // compiled to Op::Return
  }
  for (const char* name : {"global", "import", "export"}) {
    CommandSpec s;
    s.name = name;
    s.extension = "include";
    s.positional = {{"value", ArgKind::StringList}};
    s.literal_slots = {0};
    s.check = check_global;
    s.run = [](Runtime& rt, const Args& a) {
      auto& aliases = rt.state<variables::GlobalAliases>();
      for (const auto& n : rt.strings(a, 0)) {
        const std::string l = base::to_lower(n);
        if (std::find(aliases.names.begin(), aliases.names.end(), l) == aliases.names.end())
          aliases.names.push_back(l);
      }
    };
    r.add_command(std::move(s));
  }
  // A local variable assigned before a `global` of the same name is an error.
  if (CommandSpec* set = r.mutable_command("set", false)) {
    set->check = [inner = set->check](CheckContext& ctx, CheckedCall& call) {
      if (inner) inner(ctx, call);
      auto& decl = ctx.state<Declarations>();
      decl.after_other_command = true;
      if (const CheckedArg* n = call.find(0); n && n->str().find('.') == std::string::npos)
        if (!decl.globals.count(base::to_lower(n->str())))
          decl.locals.insert(base::to_lower(n->str()));
    };
  }
  {
    variables::Namespace ns;
    ns.name = "global";
    ns.extension = "include";
    ns.check = [](std::string_view rest, bool) -> std::optional<std::string> {
      if (!variables::is_identifier(rest))
        return "invalid variable name 'global." + std::string(rest) +
               "' (the global namespace has no sub-namespaces)";
      return std::nullopt;
    };
    ns.get = [](const Runtime& rt, std::string_view rest) -> std::string {
      const auto* h = rt.find_state<IncludeHandle>();
      if (!h || !h->run) return {};
      auto it = h->run->globals.find(base::to_lower(rest));
      return it == h->run->globals.end() ? std::string() : it->second;
    };
    ns.set = [](Runtime& rt, std::string_view rest, std::string value) {
      run_of(rt).globals[base::to_lower(rest)] = std::move(value);
    };
    variables::add_namespace(r, std::move(ns));
  }
}

}  // namespace zest::interp
