#include "engine/item_clock.hpp"

#include <algorithm>
#include <fstream>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HERD_HAS_TSC 1
#endif

namespace herd::engine {

namespace {

// The kernel picks the time stamp counter as its clock only once it has
// found it steady (invariant, and in step across CPUs).
bool kernel_trusts_tsc() {
#ifdef HERD_HAS_TSC
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  return in >> source && source == "tsc";
#else
  return false;
#endif
}

// Asked once, when the first chunk runs.
bool use_tsc() {
  static const bool use = kernel_trusts_tsc();
  return use;
}

uint64_t steady_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

uint64_t ItemClock::ticks() {
#ifdef HERD_HAS_TSC
  if (use_tsc()) return __rdtsc();
#endif
  return steady_ns();
}

ItemClock::ItemClock() : start_(std::chrono::steady_clock::now()), start_ticks_(ticks()) {}

std::vector<uint64_t> ItemClock::deltas_us() const {
  std::vector<uint64_t> out;
  out.reserve(marks_.size());
  if (marks_.empty()) return out;
  // Nanoseconds per tick, over the chunk; 1 when the ticks are the steady
  // clock's nanoseconds.
  double ns_per_tick = 1;
  if (use_tsc()) {
    const double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start_).count();
    const uint64_t ticks_now = ticks();
    ns_per_tick = ticks_now > start_ticks_ ? ns / static_cast<double>(ticks_now - start_ticks_) : 0;
  }
  uint64_t last_us = 0;
  for (uint64_t mark : marks_) {
    const uint64_t elapsed = mark > start_ticks_ ? mark - start_ticks_ : 0;
    const auto us =
        std::max(last_us, static_cast<uint64_t>(static_cast<double>(elapsed) * ns_per_tick / 1000));
    out.push_back(us - last_us);
    last_us = us;
  }
  return out;
}

}  // namespace herd::engine
