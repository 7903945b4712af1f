#include "grammar/ast.hpp"

namespace zest::grammar {

Location location_of(const Argument& arg) {
  return std::visit([](const auto& a) { return a.loc; }, arg);
}

}  // namespace zest::grammar
