// The generic Sieve syntax tree (RFC 5228 §8.2). It knows no command names:
// the checker in interp/ gives meaning to identifiers.
//
// The tree is flat underneath: a Script owns its nodes, arguments and string
// literals in three vectors (each sized once, so it never reallocates), a
// copy of the source and the few strings that differ from their source
// bytes. Nodes, lists and literals refer to that storage through views, so
// building and freeing a tree costs a handful of allocations, not one or
// more per node. A Script is movable (the storage moves with it) but not
// copyable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "grammar/location.hpp"

namespace zest::grammar {

// A read-only run of consecutive elements in a Script's storage.
template <class T>
class Seq {
 public:
  Seq() = default;
  Seq(const T* data, std::size_t size) : data_(data), size_(size) {}
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  const T& at(std::size_t i) const {
    if (i >= size_) throw std::out_of_range("grammar::Seq::at");
    return data_[i];
  }
  const T& front() const { return data_[0]; }
  const T& back() const { return data_[size_ - 1]; }

 private:
  const T* data_ = nullptr;
  std::size_t size_ = 0;
};

// A string literal after escape processing (quoted) or dot-unstuffing
// (text:). Encoded-character and variables are expanded later, by interp/.
struct StringLiteral {
  std::string_view value;
  Location loc;
  bool multiline = false;
};

struct Number {
  std::uint64_t value = 0;  // quantifier applied; saturates at UINT64_MAX
  Location loc;
};

struct Tag {
  std::string_view name;  // lower-cased, without the leading ':'
  Location loc;
};

struct StringList {
  Seq<StringLiteral> items;
  Location loc;
};

// A single string is kept as a StringLiteral; a bracketed list (even of one
// element) as a StringList, so the checker can tell them apart.
using Argument = std::variant<Number, StringLiteral, StringList, Tag>;

Location location_of(const Argument& arg);

// One node type serves both commands and tests: both are an identifier
// followed by arguments and an optional test or test-list; commands also
// end with either ';' or a block.
struct Node {
  std::string_view identifier;  // lower-cased
  Location loc;
  Seq<Argument> arguments;
  Seq<Node> tests;             // the single test or the elements of the test-list
  bool has_test_list = false;  // tests came from "(...)"
  bool has_block = false;      // a block "{...}" followed (commands only)
  Seq<Node> block;
};

struct Script {
  Script() = default;
  Script(Script&&) = default;
  Script& operator=(Script&&) = default;
  Script(const Script&) = delete;
  Script& operator=(const Script&) = delete;

  Seq<Node> commands;

  // The storage the views above point into (filled by the parser).
  std::vector<Node> nodes;
  std::vector<Argument> arguments;
  std::vector<StringLiteral> strings;
  std::unique_ptr<char[]> source;  // the scanned copy of the source
  std::deque<std::string> owned;   // unescaped or lower-cased text
};

}  // namespace zest::grammar
