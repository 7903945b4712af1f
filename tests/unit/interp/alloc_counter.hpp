// Counts the bytes this test binary holds through operator new (every
// std::string, std::vector, ... of the engine), so that tests can assert a
// peak-memory bound without timing or RSS guesswork. alloc_counter.cpp
// replaces the global operator new/delete of unit_interp.
#pragma once

#include <cstddef>

namespace zest::testing {

// Bytes currently held through operator new.
std::size_t live_bytes();
// Highest live_bytes() since the last reset_peak().
std::size_t peak_bytes();
// Sets the peak to the current live bytes.
void reset_peak();

}  // namespace zest::testing
