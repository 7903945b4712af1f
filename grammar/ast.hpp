// The generic Sieve syntax tree (RFC 5228 §8.2). It knows no command names:
// the checker in interp/ gives meaning to identifiers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "grammar/location.hpp"

namespace zest::grammar {

// A string literal after escape processing (quoted) or dot-unstuffing
// (text:). Encoded-character and variables are expanded later, by interp/.
struct StringLiteral {
  std::string value;
  Location loc;
  bool multiline = false;
};

struct Number {
  std::uint64_t value = 0;  // quantifier applied; saturates at UINT64_MAX
  Location loc;
};

struct Tag {
  std::string name;  // lower-cased, without the leading ':'
  Location loc;
};

struct StringList {
  std::vector<StringLiteral> items;
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
  std::string identifier;  // lower-cased
  Location loc;
  std::vector<Argument> arguments;
  std::vector<Node> tests;     // the single test or the elements of the test-list
  bool has_test_list = false;  // tests came from "(...)"
  bool has_block = false;      // a block "{...}" followed (commands only)
  std::vector<Node> block;
};

struct Script {
  std::vector<Node> commands;
};

}  // namespace zest::grammar
