#include "interp/memory_budget.hpp"

#include <charconv>

#include "base/text.hpp"

namespace zest::interp {

std::string MemoryBudget::exceeded_message() const {
  return "execution exceeded the memory limit (" + std::to_string(limit_) + " bytes)";
}

std::optional<std::size_t> parse_memory_size(std::string_view text) {
  text = base::trim(text);
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  std::string unit =
      base::to_lower(base::trim(std::string_view(end, text.data() + text.size() - end)));
  if (unit.ends_with("ib"))
    unit.resize(unit.size() - 2);
  else if (unit.size() == 2 && unit.ends_with('b'))
    unit.resize(1);
  else if (unit == "b")
    unit.clear();
  int shift = 0;
  if (unit == "k")
    shift = 10;
  else if (unit == "m")
    shift = 20;
  else if (unit == "g")
    shift = 30;
  else if (!unit.empty())
    return std::nullopt;
  if (shift != 0 && value > (~std::size_t{0} >> shift)) return std::nullopt;
  return value << shift;
}

}  // namespace zest::interp
