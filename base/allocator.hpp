// glibc malloc settings for zest's processes. By default glibc hands a
// freed block of 128 KiB or more (and a heap top past twice that) back to
// the kernel, and the next message or compile of that size faults every
// page in again: about 10 us per 4 KiB page on the virtual machines
// measured (bench/results/NOTES.md: a 4 MiB text body evaluated in 28 ms
// instead of 2.5, compiling the 2000-rule script lost half its time to
// refaults). Blocks under 32 MiB come from the heap and up to 64 MiB of
// freed memory stays mapped for reuse; the peak is unchanged, the RSS
// after a large message stays higher. An administrator's GLIBC_TUNABLES
// for either setting wins.
#pragma once

namespace zest::base {

// Call first in main(), before any thread starts.
void tune_allocator();

}  // namespace zest::base
