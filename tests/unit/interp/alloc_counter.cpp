// Replaces the global operator new/delete to count live bytes and their
// peak (see alloc_counter.hpp). Sizes come from malloc_usable_size, so the
// unsized delete forms count exactly what the matching new counted.
#include "alloc_counter.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<std::size_t>& live() {
  static std::atomic<std::size_t> bytes{0};
  return bytes;
}
std::atomic<std::size_t>& peak() {
  static std::atomic<std::size_t> bytes{0};
  return bytes;
}

void* counted_alloc(std::size_t size, std::size_t align) {
  if (size == 0) size = 1;
  void* p = nullptr;
  if (align <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else if (posix_memalign(&p, align, size) != 0) {
    p = nullptr;
  }
  if (p == nullptr) return nullptr;
  const std::size_t now = live().fetch_add(malloc_usable_size(p)) + malloc_usable_size(p);
  std::size_t old = peak().load();
  while (now > old && !peak().compare_exchange_weak(old, now)) {
  }
  return p;
}

void counted_free(void* p) {
  if (p == nullptr) return;
  live().fetch_sub(malloc_usable_size(p));
  std::free(p);
}

void* throwing_alloc(std::size_t size, std::size_t align) {
  void* p = counted_alloc(size, align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

namespace zest::testing {
std::size_t live_bytes() {
  return live().load();
}
std::size_t peak_bytes() {
  return peak().load();
}
void reset_peak() {
  peak().store(live().load());
}
}  // namespace zest::testing

void* operator new(std::size_t n) {
  return throwing_alloc(n, 0);
}
void* operator new[](std::size_t n) {
  return throwing_alloc(n, 0);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return counted_alloc(n, 0);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return counted_alloc(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return throwing_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return throwing_alloc(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept {
  counted_free(p);
}
void operator delete[](void* p) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  counted_free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  counted_free(p);
}
