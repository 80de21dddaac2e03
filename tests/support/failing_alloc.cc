// The replacement allocator of failing_alloc.h. Blocks handed out while armed are kept in an
// open-addressing table (pointer -> size) under a mutex: the core's thread pool allocates from
// its workers too.
#include "support/failing_alloc.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MRW_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MRW_SANITIZED 1
#endif

#if defined(__GLIBC__) && !defined(__EMSCRIPTEN__) && !defined(MRW_SANITIZED)
#define MRW_FAILING_ALLOC 1
#else
#define MRW_FAILING_ALLOC 0
#endif

#if MRW_FAILING_ALLOC
#include <execinfo.h>

extern "C" {
void *__libc_malloc(std::size_t size);
void *__libc_calloc(std::size_t count, std::size_t size);
void *__libc_realloc(void *p, std::size_t size);
void __libc_free(void *p);
}

namespace {

constexpr std::size_t kSlots = 1 << 16;  // far more than the blocks of one load
struct Slot {
  void *p;
  std::size_t size;
  long window;  // which armed window allocated it (1, 2, ...)
  long index;   // and as its how-many-th allocation
};
long window = 0;

std::atomic<bool> armed{false};
std::atomic<long> counted{0};
long fail_at = 0;
std::mutex table_mutex;
Slot table[kSlots];
long live = 0;
std::size_t live_size = 0;
bool table_full = false;

std::size_t slot_of(void *p) { return (reinterpret_cast<std::uintptr_t>(p) >> 4) * 2654435761u % kSlots; }

void remember(void *p, std::size_t size) {
  long index = counted.load();
  std::lock_guard<std::mutex> lock(table_mutex);
  for (std::size_t i = slot_of(p), n = 0; n < kSlots; i = (i + 1) % kSlots, n++) {
    if (table[i].p == nullptr) {
      table[i] = {p, size, window, index};
      live++;
      live_size += size;
      return;
    }
  }
  table_full = true;
}

void forget(void *p) {
  if (p == nullptr) return;
  std::lock_guard<std::mutex> lock(table_mutex);
  if (live == 0) return;
  for (std::size_t i = slot_of(p), n = 0; n < kSlots && table[i].p != nullptr; i = (i + 1) % kSlots, n++) {
    if (table[i].p == p) {
      live--;
      live_size -= table[i].size;
      // Backward-shift deletion keeps every probe sequence unbroken.
      std::size_t hole = i;
      for (std::size_t j = (i + 1) % kSlots; table[j].p != nullptr; j = (j + 1) % kSlots) {
        std::size_t home = slot_of(table[j].p);
        bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
          table[hole] = table[j];
          hole = j;
        }
      }
      table[hole] = {nullptr, 0, 0, 0};
      return;
    }
  }
}

// True when this allocation is to fail.
bool count_one() {
  if (!armed.load(std::memory_order_acquire)) return false;
  long n = counted.fetch_add(1) + 1;
  if (n == fail_at && std::getenv("MRW_FAILING_ALLOC_TRACE")) {
    void *frames[32];
    backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
  }
  return n == fail_at;
}

}  // namespace

extern "C" {
void *malloc(std::size_t size) {
  bool tracked = armed.load(std::memory_order_acquire);
  if (count_one()) {
    errno = ENOMEM;
    return nullptr;
  }
  void *p = __libc_malloc(size);
  if (p && tracked) remember(p, size);
  return p;
}

void *calloc(std::size_t count, std::size_t size) {
  bool tracked = armed.load(std::memory_order_acquire);
  if (count_one()) {
    errno = ENOMEM;
    return nullptr;
  }
  void *p = __libc_calloc(count, size);
  if (p && tracked) remember(p, count * size);
  return p;
}

void *realloc(void *old, std::size_t size) {
  bool tracked = armed.load(std::memory_order_acquire);
  if (count_one()) {
    errno = ENOMEM;
    return nullptr;
  }
  void *p = __libc_realloc(old, size);
  if (p) {
    forget(old);
    if (tracked) remember(p, size);
  }
  return p;
}

void free(void *p) {
  forget(p);
  __libc_free(p);
}
}

namespace failing_alloc {

bool available() { return true; }

void arm(long n) {
  std::lock_guard<std::mutex> lock(table_mutex);
  fail_at = n;
  window++;
  counted.store(0);
  table_full = false;
  armed.store(true, std::memory_order_release);
}

long disarm() {
  armed.store(false, std::memory_order_release);
  return counted.load();
}

long live_blocks() {
  std::lock_guard<std::mutex> lock(table_mutex);
  return table_full ? -1 : live;
}

std::size_t live_bytes() {
  std::lock_guard<std::mutex> lock(table_mutex);
  return live_size;
}

std::string describe_live() {
  // Copied under the lock, described after it: the text's own allocations and frees take it.
  constexpr std::size_t kShown = 64;
  Slot shown[kShown];
  std::size_t count = 0;
  {
    std::lock_guard<std::mutex> lock(table_mutex);
    for (const Slot &slot : table) {
      if (slot.p != nullptr && count < kShown) shown[count++] = slot;
    }
  }
  std::string text;
  for (std::size_t i = 0; i < count; i++) {
    text += "  " + std::to_string(shown[i].size) + " bytes, allocation " + std::to_string(shown[i].index) +
            " of armed window " + std::to_string(shown[i].window) + "\n";
  }
  return text;
}

}  // namespace failing_alloc

#else

namespace failing_alloc {
bool available() { return false; }
void arm(long) {}
long disarm() { return 0; }
long live_blocks() { return 0; }
std::size_t live_bytes() { return 0; }
std::string describe_live() { return ""; }
}  // namespace failing_alloc

#endif
