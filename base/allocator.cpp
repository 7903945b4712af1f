#include "base/allocator.hpp"

#include <malloc.h>

#include <cstdlib>
#include <string_view>

namespace zest::base {

void tune_allocator() {
  constexpr int kMmapThreshold = 32 << 20;
  constexpr int kTrimThreshold = 64 << 20;
  const char* env = std::getenv("GLIBC_TUNABLES");
  const std::string_view tunables = env ? env : "";
  if (tunables.find("malloc.mmap_threshold") == std::string_view::npos)
    ::mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  if (tunables.find("malloc.trim_threshold") == std::string_view::npos)
    ::mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

}  // namespace zest::base
