#include "interp/program.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <type_traits>

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

// Format 3, all integers little-endian:
//   magic, u32 version, u64 opcode hash
//   u32 size + bytes: source digest
//   u32 count, then u32 size + bytes each: extensions
//   u32 count, then u8 is_test, u32 size + bytes each: commands
//   u32 each: counts of strings, string data bytes, string refs, args, code
//   strings:     12 bytes each: u32 offset, u32 size, u8 is_template, 3 zero
//   string data: the bytes
//   string refs: u32 each
//   args:        24 bytes each: u8 slot, u8 kind, 6 zero, u64 number, u32 first, u32 count
//   code:        20 bytes each: u8 op, 3 zero, u32 target, u32 command, u32 args_first,
//                u32 args_count
//   lines:       u32 per instruction
// "zero" is padding: written as zero, never read. The tables of args, code
// and lines have the in-memory layout of a little-endian host, so loading
// them is a copy; verify() then checks every field that is read.
constexpr std::size_t kStringRecord = 12;
constexpr std::size_t kArgRecord = 24;
constexpr std::size_t kInstrRecord = 20;

constexpr bool kLittleEndian = std::endian::native == std::endian::little;
constexpr bool kNativeLayout =
    kLittleEndian && std::is_trivially_copyable_v<ArgValue> &&
    std::is_trivially_copyable_v<Instr> && sizeof(ArgValue) == kArgRecord &&
    offsetof(ArgValue, slot) == 0 && offsetof(ArgValue, kind) == 1 &&
    offsetof(ArgValue, number) == 8 && offsetof(ArgValue, first) == 16 &&
    offsetof(ArgValue, count) == 20 && sizeof(Instr) == kInstrRecord && offsetof(Instr, op) == 0 &&
    offsetof(Instr, target) == 4 && offsetof(Instr, command) == 8 &&
    offsetof(Instr, args_first) == 12 && offsetof(Instr, args_count) == 16;

std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint64_t le64(const std::uint8_t* p) {
  return le32(p) | static_cast<std::uint64_t>(le32(p + 4)) << 32;
}

class Writer {
 public:
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  void u8(std::uint8_t v) { out.push_back(v); }
  void zeros(std::size_t n) { out.insert(out.end(), n, 0); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void size(std::size_t n) { u32(static_cast<std::uint32_t>(n)); }
  void str(std::string_view s) {
    size(s.size());
    bytes(s.data(), s.size());
  }
  std::vector<std::uint8_t> out;
};

// Hands out sections of the input; once one is missing, ok() stays false
// and every later read gives zeros or an empty span.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == b_.size(); }
  std::size_t left() const { return b_.size() - pos_; }
  std::span<const std::uint8_t> take(std::uint64_t n) {
    if (!ok_ || n > left()) {
      ok_ = false;
      return {};
    }
    const auto s = b_.subspan(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  std::uint8_t u8() {
    const auto s = take(1);
    return s.empty() ? 0 : s[0];
  }
  std::uint32_t u32() {
    const auto s = take(4);
    return s.empty() ? 0 : le32(s.data());
  }
  std::uint64_t u64() {
    const auto s = take(8);
    return s.empty() ? 0 : le64(s.data());
  }
  std::string str() {
    const auto s = take(u32());
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }
  // A count of records of at least `min_record` bytes each, or 0 (and not
  // ok) when the rest of the input cannot hold them: nothing is allocated
  // for a count the file does not back.
  std::uint32_t count(std::size_t min_record) {
    const std::uint32_t n = u32();
    if (n > left() / min_record) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Copies a table of fixed-size records: one memcpy when they are the host's
// layout (Native), else decoded record by record.
template <bool Native, class T, class Decode>
void copy_table(std::vector<T>& out, std::span<const std::uint8_t> in, std::size_t record,
                Decode decode) {
  static_assert(!Native || std::is_trivially_copyable_v<T>);
  const std::size_t n = in.size() / record;
  if constexpr (Native) {
    out.resize(n);
    if (n > 0) std::memcpy(out.data(), in.data(), in.size());
  } else {
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(decode(in.data() + i * record));
  }
}

// Handlers take their positional arguments and the shared group slots for
// granted: a binary must give them with the kinds the compiler gives them.
// One pass over the arguments, then over the signature's required slots.
std::string verify_call_args(const Program& p, const Instr& in, const CommandSpec& spec) {
  const std::size_t positional = spec.positional.size();
  std::uint32_t given = 0;  // positional slots are 0..15
  for (const ArgValue& a : p.args_of(in)) {
    if (a.slot < 16) {
      if (a.slot >= positional)
        return fmt::format("positional argument {} is not in the signature", a.slot);
      if (a.kind != spec.positional[a.slot].kind)
        return fmt::format("positional argument {} has the wrong kind", a.slot);
      given |= 1u << a.slot;
    } else if ((a.slot == kSlotComparator || a.slot == kSlotRelation) &&
               a.kind != ArgKind::String) {
      return fmt::format("argument in slot {} must be a string", a.slot);
    } else if ((a.slot == kSlotMatchType || a.slot == kSlotAddressPart) &&
               a.kind != ArgKind::Number) {
      return fmt::format("argument in slot {} must be a number", a.slot);
    }
  }
  for (std::size_t k = spec.optional_leading; k + spec.optional_trailing < positional; ++k)
    if (k >= 16 || !(given >> k & 1)) return fmt::format("positional argument {} is missing", k);
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
                  text(p.string_data) + vec(p.strings) + vec(p.string_refs) + vec(p.args) +
                  vec(p.code) + vec(p.lines);
  for (const auto& e : p.extensions) n += text(e);
  for (const auto& c : p.commands) n += text(c.name);
  return n;
}

void shrink_to_fit(Program& p) {
  p.string_data.shrink_to_fit();
  p.strings.shrink_to_fit();
  p.string_refs.shrink_to_fit();
  p.args.shrink_to_fit();
  p.code.shrink_to_fit();
  p.lines.shrink_to_fit();
}

std::uint32_t Program::add_string(std::string_view s, bool is_template) {
  const auto idx = static_cast<std::uint32_t>(strings.size());
  strings.push_back({static_cast<std::uint32_t>(string_data.size()),
                     static_cast<std::uint32_t>(s.size()), is_template});
  string_data += s;
  return idx;
}

std::vector<std::uint8_t> serialize(const Program& p) {
  Writer w;
  w.bytes(kMagic.data(), kMagic.size());
  w.u32(kFormatVersion);
  w.u64(opcode_hash());
  w.str(p.source_digest);
  w.size(p.extensions.size());
  for (const auto& e : p.extensions) w.str(e);
  w.size(p.commands.size());
  for (const auto& c : p.commands) {
    w.u8(c.is_test ? 1 : 0);
    w.str(c.name);
  }
  for (std::size_t n :
       {p.strings.size(), p.string_data.size(), p.string_refs.size(), p.args.size(), p.code.size()})
    w.size(n);
  for (const auto& s : p.strings) {
    w.u32(s.offset);
    w.u32(s.size);
    w.u8(s.is_template ? 1 : 0);
    w.zeros(3);
  }
  w.bytes(p.string_data.data(), p.string_data.size());
  for (auto r : p.string_refs) w.u32(r);
  for (const auto& a : p.args) {
    w.u8(a.slot);
    w.u8(static_cast<std::uint8_t>(a.kind));
    w.zeros(6);
    w.u64(a.number);
    w.u32(a.first);
    w.u32(a.count);
  }
  for (const auto& in : p.code) {
    w.u8(static_cast<std::uint8_t>(in.op));
    w.zeros(3);
    w.u32(in.target);
    w.u32(in.command);
    w.u32(in.args_first);
    w.u32(in.args_count);
  }
  for (std::size_t i = 0; i < p.code.size(); ++i) w.u32(i < p.lines.size() ? p.lines[i] : 0);
  return std::move(w.out);
}

std::string verify(const Program& p) {
  // Sizes in locals: the compiler cannot keep the vectors' ends in
  // registers across the loops.
  const std::size_t n = p.code.size(), n_strings = p.strings.size(), n_refs = p.string_refs.size(),
                    n_args = p.args.size(), n_commands = p.commands.size(),
                    text_size = p.string_data.size();
  if (n == 0) return "program has no code";
  if (p.lines.size() != n) return "line table does not match the code";
  for (std::size_t i = 0; i < n_strings; ++i) {
    const PoolString& s = p.strings[i];
    if (s.offset > text_size || s.size > text_size - s.offset)
      return fmt::format("string {} lies outside the string data", i);
  }
  for (std::size_t i = 0; i < n_refs; ++i)
    if (p.string_refs[i] >= n_strings)
      return fmt::format("string list member {} refers to string {} of {}", i, p.string_refs[i],
                         n_strings);
  for (std::size_t i = 0; i < n_args; ++i) {
    const ArgValue& a = p.args[i];
    if (a.kind == ArgKind::StringList) {
      if (a.first > n_refs || a.count > n_refs - a.first)
        return fmt::format("argument {} refers to a string list outside the table", i);
    } else if (a.kind == ArgKind::String) {
      if (a.first >= n_strings)
        return fmt::format("argument {} refers to string {} of {}", i, a.first, n_strings);
    } else if (a.kind != ArgKind::Number) {
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
      if (in.command >= n_commands)
        return fmt::format("instruction {} refers to command {} of {}", i, in.command, n_commands);
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
      if (in.args_first > n_args || in.args_count > n_args - in.args_first)
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
  const auto magic = r.take(kMagic.size());
  if (!r.ok() || std::memcmp(magic.data(), kMagic.data(), kMagic.size()) != 0)
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
  p.extensions.resize(r.count(4));
  for (auto& e : p.extensions) e = r.str();
  p.commands.resize(r.count(5));
  for (auto& c : p.commands) {
    c.is_test = r.u8() != 0;
    c.name = r.str();
  }
  const std::uint32_t n_strings = r.count(kStringRecord), text_size = r.u32(), n_refs = r.u32(),
                      n_args = r.u32(), n_code = r.u32();
  // Every table is in the input before anything is allocated for it.
  const auto strings = r.take(std::uint64_t{n_strings} * kStringRecord);
  const auto text = r.take(text_size);
  const auto refs = r.take(std::uint64_t{n_refs} * 4);
  const auto args = r.take(std::uint64_t{n_args} * kArgRecord);
  const auto code = r.take(std::uint64_t{n_code} * kInstrRecord);
  const auto lines = r.take(std::uint64_t{n_code} * 4);
  if (!r.ok()) return corrupt("truncated binary");
  if (!r.at_end()) return corrupt("trailing bytes after the code");

  p.strings.resize(n_strings);
  for (std::size_t i = 0; i < n_strings; ++i) {
    const std::uint8_t* rec = strings.data() + i * kStringRecord;
    // Checked before it becomes a bool: any other byte would be undefined.
    if (rec[8] > 1) return corrupt(fmt::format("string {} has an invalid flag", i));
    p.strings[i] = {le32(rec), le32(rec + 4), rec[8] != 0};
  }
  p.string_data.assign(reinterpret_cast<const char*>(text.data()), text.size());
  copy_table<kLittleEndian>(p.string_refs, refs, 4, le32);
  copy_table<kNativeLayout>(p.args, args, kArgRecord, [](const std::uint8_t* rec) {
    // Kinds and opcodes are enums over std::uint8_t: any byte is a value,
    // which verify() then checks.
    ArgValue a;
    a.slot = rec[0];
    a.kind = static_cast<ArgKind>(rec[1]);
    a.number = le64(rec + 8);
    a.first = le32(rec + 16);
    a.count = le32(rec + 20);
    return a;
  });
  copy_table<kNativeLayout>(p.code, code, kInstrRecord, [](const std::uint8_t* rec) {
    return Instr{static_cast<Op>(rec[0]), le32(rec + 4), le32(rec + 8), le32(rec + 12),
                 le32(rec + 16)};
  });
  copy_table<kLittleEndian>(p.lines, lines, 4, le32);

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
    for (char c : p.text(s)) {
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
