// RFC 5260 §6 :index/:last, shared by the header, address and date tests
// (the tags are added by interp/ext/index.cpp).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "interp/runtime.hpp"

namespace zest::interp {

// The tags' slots (fixed numbers of the binary format, see registry.hpp).
inline constexpr Slot kSlotIndex = 204;  // :index
inline constexpr Slot kSlotLast = 205;   // :last

// With :index N only the Nth field of one header name counts (the Nth from
// the end with :last); an index past the end leaves none.
template <class T>
void select_index(const Args& a, std::vector<T>& fields) {
  const ArgValue* idx = a.find(kSlotIndex);
  if (!idx) return;
  const std::size_t n = idx->number;
  if (n == 0 || n > fields.size()) {
    fields.clear();
    return;
  }
  T kept = std::move(fields[a.has(kSlotLast) ? fields.size() - n : n - 1]);
  fields.clear();
  fields.push_back(std::move(kept));
}

}  // namespace zest::interp
