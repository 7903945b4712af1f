#include "interp/program.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

namespace zest::interp {
namespace {

constexpr std::array<OpInfo, kOpCount> kOps = {{
#define ZEST_OP(name, mnemonic, has_target, has_call) {mnemonic, has_target != 0, has_call != 0},
#include "interp/opcodes.def"
#undef ZEST_OP
}};

// The opcode list as text: what the hash covers.
constexpr std::string_view kOpcodeText =
#define ZEST_OP(name, mnemonic, has_target, has_call) \
#name "," mnemonic "," #has_target "," #has_call ";"
#include "interp/opcodes.def"
#undef ZEST_OP
    ;

constexpr std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

constexpr std::array<char, 8> kMagic = {'Z', 'S', 'V', 'B', 'C', '\0', '\r', '\n'};
// Limits on what a binary may declare, so a hostile file cannot make the
// loader allocate without bound before it fails.
constexpr std::uint64_t kMaxCount = 1u << 24;

class Writer {
 public:
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void var(std::uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(v));
  }
  void str(std::string_view s) {
    var(s.size());
    bytes(s.data(), s.size());
  }
  std::vector<std::uint8_t> out;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == b_.size(); }
  std::size_t pos() const { return pos_; }
  bool bytes(void* p, std::size_t n) {
    if (!ok_ || b_.size() - pos_ < n) return ok_ = false;
    std::memcpy(p, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(byte()) << (8 * i);
    return v;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(byte()) << (8 * i);
    return v;
  }
  std::uint64_t var() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = byte();
      if (!ok_) return 0;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ok_ = false;
    return 0;
  }
  std::uint64_t count() {
    const std::uint64_t n = var();
    if (n > kMaxCount || n > b_.size()) ok_ = false;
    return ok_ ? n : 0;
  }
  std::string str() {
    const std::uint64_t n = var();
    if (!ok_ || n > b_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  std::uint8_t byte() {
    if (!ok_ || pos_ >= b_.size()) {
      ok_ = false;
      return 0;
    }
    return b_[pos_++];
  }
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Handlers take their positional arguments and the shared group slots for
// granted: a binary must give them with the kinds the compiler gives them.
std::string verify_call_args(const Program& p, const Instr& in, const CommandSpec& spec) {
  const auto args = p.args_of(in);
  for (std::size_t k = 0; k < spec.positional.size(); ++k) {
    bool found = false;
    for (const ArgValue& a : args)
      if (a.slot == k) {
        if (a.kind != spec.positional[k].kind)
          return fmt::format("positional argument {} has the wrong kind", k);
        found = true;
      }
    if (!found && k >= spec.optional_leading && k + spec.optional_trailing < spec.positional.size())
      return fmt::format("positional argument {} is missing", k);
  }
  for (const ArgValue& a : args) {
    if (a.slot < 16 && a.slot >= spec.positional.size())
      return fmt::format("positional argument {} is not in the signature", a.slot);
    if ((a.slot == kSlotComparator || a.slot == kSlotRelation) && a.kind != ArgKind::String)
      return fmt::format("argument in slot {} must be a string", a.slot);
    if ((a.slot == kSlotMatchType || a.slot == kSlotAddressPart) && a.kind != ArgKind::Number)
      return fmt::format("argument in slot {} must be a number", a.slot);
  }
  return {};
}

}  // namespace

const OpInfo& op_info(Op op) {
  return kOps[static_cast<std::size_t>(op)];
}

std::uint64_t opcode_hash() {
  return fnv1a(kOpcodeText);
}

std::size_t memory_footprint(const Program& p) {
  // A string's characters count only when they do not fit its inline buffer.
  const auto text = [](const std::string& s) {
    return s.capacity() > std::string().capacity() ? s.capacity() + 1 : 0;
  };
  const auto vec = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  std::size_t n = sizeof(Program) + text(p.source_digest) + vec(p.extensions) + vec(p.commands) +
                  vec(p.strings) + vec(p.string_refs) + vec(p.args) + vec(p.code) + vec(p.lines);
  for (const auto& e : p.extensions) n += text(e);
  for (const auto& c : p.commands) n += text(c.name);
  for (const auto& s : p.strings) n += text(s.text);
  return n;
}

std::vector<std::uint8_t> serialize(const Program& p) {
  Writer w;
  w.bytes(kMagic.data(), kMagic.size());
  w.u32(kFormatVersion);
  w.u64(opcode_hash());
  w.str(p.source_digest);
  w.var(p.extensions.size());
  for (const auto& e : p.extensions) w.str(e);
  w.var(p.commands.size());
  for (const auto& c : p.commands) {
    w.var(c.is_test ? 1 : 0);
    w.str(c.name);
  }
  w.var(p.strings.size());
  for (const auto& s : p.strings) {
    w.var(s.is_template ? 1 : 0);
    w.str(s.text);
  }
  w.var(p.string_refs.size());
  for (auto r : p.string_refs) w.var(r);
  w.var(p.args.size());
  for (const auto& a : p.args) {
    w.var(a.slot);
    w.var(static_cast<std::uint8_t>(a.kind));
    w.var(a.number);
    w.var(a.first);
    w.var(a.count);
  }
  w.var(p.code.size());
  for (std::size_t i = 0; i < p.code.size(); ++i) {
    const Instr& in = p.code[i];
    const OpInfo& info = op_info(in.op);
    w.var(static_cast<std::uint8_t>(in.op));
    if (info.has_target) w.var(in.target);
    if (info.has_call) {
      w.var(in.command);
      w.var(in.args_first);
      w.var(in.args_count);
    }
    w.var(i < p.lines.size() ? p.lines[i] : 0);
  }
  return std::move(w.out);
}

std::string verify(const Program& p) {
  const std::size_t n = p.code.size();
  if (n == 0) return "program has no code";
  if (p.lines.size() != n) return "line table does not match the code";
  for (std::size_t i = 0; i < p.string_refs.size(); ++i)
    if (p.string_refs[i] >= p.strings.size())
      return fmt::format("string list member {} refers to string {} of {}", i, p.string_refs[i],
                         p.strings.size());
  for (std::size_t i = 0; i < p.args.size(); ++i) {
    const ArgValue& a = p.args[i];
    switch (a.kind) {
      case ArgKind::Number:
        break;
      case ArgKind::String:
        if (a.first >= p.strings.size())
          return fmt::format("argument {} refers to string {} of {}", i, a.first, p.strings.size());
        break;
      case ArgKind::StringList:
        if (a.first > p.string_refs.size() || a.count > p.string_refs.size() - a.first)
          return fmt::format("argument {} refers to a string list outside the table", i);
        break;
      default:
        return fmt::format("argument {} has an invalid kind", i);
    }
  }
  std::size_t depth = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Instr& in = p.code[i];
    if (static_cast<std::size_t>(in.op) >= kOpCount)
      return fmt::format("instruction {} has an invalid opcode", i);
    const OpInfo& info = op_info(in.op);
    if (info.has_target && in.target > n)
      return fmt::format("instruction {} jumps to {} outside the code (0..{})", i, in.target, n);
    if (info.has_call) {
      if (in.command >= p.commands.size())
        return fmt::format("instruction {} refers to command {} of {}", i, in.command,
                           p.commands.size());
      const CommandRef& c = p.commands[in.command];
      if (!c.spec) return fmt::format("instruction {} refers to an unresolved command", i);
      if (c.is_test != (in.op == Op::Test))
        return fmt::format("instruction {} uses '{}' in the wrong role", i, c.name);
      if (in.op == Op::BlockBegin && !(c.spec->enter && c.spec->loop))
        return fmt::format("instruction {}: '{}' is not a block command", i, c.name);
      if (in.op == Op::Command && !c.spec->run)
        return fmt::format("instruction {}: '{}' cannot run as a command", i, c.name);
      if (in.op == Op::Test && !c.spec->test)
        return fmt::format("instruction {}: '{}' cannot run as a test", i, c.name);
      if (in.args_first > p.args.size() || in.args_count > p.args.size() - in.args_first)
        return fmt::format("instruction {} refers to arguments outside the table", i);
      if (std::string err = verify_call_args(p, in, *c.spec); !err.empty())
        return fmt::format("instruction {}: '{}': {}", i, c.name, err);
    }
    if (in.op == Op::BlockBegin) {
      ++depth;
      if (in.target <= i || p.code[in.target - 1].op != Op::BlockEnd)
        return fmt::format("block at instruction {} does not end at a block end", i);
    }
    if (in.op == Op::BlockEnd) {
      if (depth == 0) return fmt::format("instruction {} ends a block that was not begun", i);
      --depth;
    }
  }
  if (depth != 0) return "unbalanced blocks";
  return {};
}

Result<Program, LoadError> load_program(std::span<const std::uint8_t> bytes,
                                        const Registry& registry) {
  using R = Result<Program, LoadError>;
  auto corrupt = [](std::string m) { return R::failure({LoadError::Kind::Corrupt, std::move(m)}); };
  auto stale = [](std::string m) { return R::failure({LoadError::Kind::Stale, std::move(m)}); };

  Reader r(bytes);
  std::array<char, 8> magic{};
  if (!r.bytes(magic.data(), magic.size()) || magic != kMagic)
    return corrupt("not a zest compiled Sieve binary (bad magic)");
  const std::uint32_t version = r.u32();
  const std::uint64_t hash = r.u64();
  if (!r.ok()) return corrupt("truncated header");
  if (version != kFormatVersion)
    return stale(
        fmt::format("binary format version {} (this build reads {})", version, kFormatVersion));
  if (hash != opcode_hash()) return stale("binary was made for another opcode list");

  Program p;
  p.source_digest = r.str();
  for (std::uint64_t i = 0, n = r.count(); i < n && r.ok(); ++i) p.extensions.push_back(r.str());
  for (std::uint64_t i = 0, n = r.count(); i < n && r.ok(); ++i) {
    CommandRef c;
    c.is_test = r.var() != 0;
    c.name = r.str();
    p.commands.push_back(std::move(c));
  }
  for (std::uint64_t i = 0, n = r.count(); i < n && r.ok(); ++i) {
    PoolString s;
    s.is_template = r.var() != 0;
    s.text = r.str();
    p.strings.push_back(std::move(s));
  }
  for (std::uint64_t i = 0, n = r.count(); i < n && r.ok(); ++i)
    p.string_refs.push_back(static_cast<std::uint32_t>(r.var()));
  for (std::uint64_t i = 0, n = r.count(); i < n && r.ok(); ++i) {
    ArgValue a;
    const std::uint64_t slot = r.var(), kind = r.var();
    a.number = r.var();
    const std::uint64_t first = r.var(), count = r.var();
    if (slot > 255 || kind > 3 || first > UINT32_MAX || count > UINT32_MAX)
      return corrupt("bad argument");
    a.slot = static_cast<Slot>(slot);
    a.kind = static_cast<ArgKind>(kind);
    a.first = static_cast<std::uint32_t>(first);
    a.count = static_cast<std::uint32_t>(count);
    p.args.push_back(a);
  }
  for (std::uint64_t i = 0, n = r.count(); i < n && r.ok(); ++i) {
    Instr in;
    const std::uint64_t op = r.var();
    if (op >= kOpCount)
      return corrupt(fmt::format("instruction {} has an invalid opcode {}", i, op));
    in.op = static_cast<Op>(op);
    const OpInfo& info = op_info(in.op);
    auto u32 = [&r](std::uint64_t v) {
      return static_cast<std::uint32_t>(v > UINT32_MAX ? UINT32_MAX : v);
    };
    if (info.has_target) in.target = u32(r.var());
    if (info.has_call) {
      in.command = u32(r.var());
      in.args_first = u32(r.var());
      in.args_count = u32(r.var());
    }
    p.lines.push_back(u32(r.var()));
    p.code.push_back(in);
  }
  if (!r.ok()) return corrupt("truncated binary");
  if (!r.at_end()) return corrupt("trailing bytes after the code");

  for (const auto& e : p.extensions)
    if (!registry.extension(e)) return stale("binary requires unknown extension '" + e + "'");
  for (auto& c : p.commands) {
    c.spec = registry.command_in(c.name, c.is_test, [&](std::string_view e) {
      return std::find(p.extensions.begin(), p.extensions.end(), e) != p.extensions.end();
    });
    if (!c.spec)
      return stale("binary uses unknown " + std::string(c.is_test ? "test" : "command") + " '" +
                   c.name + "'");
  }
  if (std::string err = verify(p); !err.empty()) return corrupt(err);
  return p;
}

std::string disassemble(const Program& p) {
  std::string out;
  out += fmt::format("; extensions: {}\n", fmt::join(p.extensions, " "));
  auto show_string = [&](std::uint32_t idx) {
    const PoolString& s = p.strings[idx];
    std::string esc;
    for (char c : s.text) {
      if (c == '"' || c == '\\') esc += '\\';
      if (c == '\r') {
        esc += "\\r";
        continue;
      }
      if (c == '\n') {
        esc += "\\n";
        continue;
      }
      esc += c;
    }
    return fmt::format("{}\"{}\"", s.is_template ? "$" : "", esc);
  };
  for (std::size_t i = 0; i < p.code.size(); ++i) {
    const Instr& in = p.code[i];
    const OpInfo& info = op_info(in.op);
    std::string line = fmt::format("{:04}: {:<8}", i, info.mnemonic);
    if (info.has_call) line += " " + p.commands[in.command].name;
    if (info.has_target) line += fmt::format(" -> {:04}", in.target);
    if (info.has_call) {
      for (const ArgValue& a : p.args_of(in)) {
        line += fmt::format(" [{}]=", a.slot);
        switch (a.kind) {
          case ArgKind::Number:
            line += std::to_string(a.number);
            break;
          case ArgKind::String:
            line += show_string(a.first);
            break;
          case ArgKind::StringList: {
            line += "[";
            for (std::uint32_t k = 0; k < a.count; ++k)
              line += (k ? ", " : "") + show_string(p.string_refs[a.first + k]);
            line += "]";
            break;
          }
          default:
            break;
        }
      }
    }
    out += fmt::format("{:<60} ; line {}\n", line, p.lines[i]);
  }
  return out;
}

}  // namespace zest::interp
