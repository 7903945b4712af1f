// A compiled Sieve script: the in-memory form the VM runs, and its binary
// encoding (.svbc). Loading a binary copies its fixed-width tables and
// verifies every reference and jump target before anything can run it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "interp/registry.hpp"

namespace zest::interp {

enum class Op : std::uint8_t {
#define ZEST_OP(name, mnemonic, has_target, has_call) name,
#include "interp/opcodes.def"
#undef ZEST_OP
};

struct OpInfo {
  std::string_view mnemonic;
  bool has_target;
  bool has_call;
};
const OpInfo& op_info(Op op);
inline constexpr std::size_t kOpCount = 0
#define ZEST_OP(name, mnemonic, has_target, has_call) +1
#include "interp/opcodes.def"
#undef ZEST_OP
    ;

// The hash of the opcode list, stored in binaries to detect stale ones.
std::uint64_t opcode_hash();
// 2: source_digest; 3: fixed-width little-endian tables, one string blob.
inline constexpr std::uint32_t kFormatVersion = 3;

// A string of the pool: where its text lies in Program::string_data (all
// the pool's text is one allocation; Program::text gives the view).
struct PoolString {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  bool is_template = false;  // contains variable references to expand at run time
};

// One argument of a command or test instruction.
struct ArgValue {
  Slot slot = 0;
  ArgKind kind = ArgKind::None;
  std::uint64_t number = 0;  // Number
  std::uint32_t first = 0;   // String: pool index; StringList: index into string_refs
  std::uint32_t count = 0;   // StringList: number of members
};

struct Instr {
  Op op = Op::Stop;
  std::uint32_t target = 0;   // instruction index, when has_target
  std::uint32_t command = 0;  // index into Program::commands, when has_call
  std::uint32_t args_first = 0;
  std::uint32_t args_count = 0;
};

struct CommandRef {
  std::string name;
  bool is_test = false;
  const CommandSpec* spec = nullptr;  // resolved against the registry
};

struct Program {
  // What the binary was compiled from (store::source_digest: SHA-256 of the
  // script, hex), so that a cache on another node or process can tell a
  // binary of an older version of the script; "" when not recorded.
  std::string source_digest;
  std::vector<std::string> extensions;  // capabilities required by the script
  std::vector<CommandRef> commands;
  std::string string_data;  // the text of every pool string, back to back
  std::vector<PoolString> strings;
  std::vector<std::uint32_t> string_refs;
  std::vector<ArgValue> args;
  std::vector<Instr> code;
  std::vector<std::uint32_t> lines;  // source line of each instruction

  std::span<const ArgValue> args_of(const Instr& in) const {
    return {args.data() + in.args_first, in.args_count};
  }
  std::string_view text(const PoolString& s) const {
    return {string_data.data() + s.offset, s.size};
  }
  std::string_view text(std::uint32_t string_index) const { return text(strings[string_index]); }
  // Appends a string to the pool and gives its index (no interning: the
  // compiler does that).
  std::uint32_t add_string(std::string_view s, bool is_template);
};

std::vector<std::uint8_t> serialize(const Program& program);

// Bytes a Program holds on the heap and inline (its vectors' capacities and
// its strings), for caches that bound their memory.
std::size_t memory_footprint(const Program& program);
// Gives back the spare capacity a compiled program's tables grew into (a
// loaded one has none), before a cache keeps it.
void shrink_to_fit(Program& program);

struct LoadError {
  enum class Kind { Stale, Corrupt };
  Kind kind;
  std::string message;
};

// Copies a binary's tables out and verifies them. Stale: another format
// version or opcode list, or a command this build does not know (callers
// recompile). Corrupt: anything else that does not verify.
Result<Program, LoadError> load_program(std::span<const std::uint8_t> bytes,
                                        const Registry& registry);

// Verifies the structure of an in-memory program (the same checks a load
// does after decoding); returns an empty string when it is sound.
std::string verify(const Program& program);

// One instruction per line, with its source line.
std::string disassemble(const Program& program);

}  // namespace zest::interp
