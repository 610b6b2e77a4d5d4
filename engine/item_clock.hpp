// When each item of a chunk completed, in microseconds after the chunk
// began. Read once per item, so it must cost next to nothing: a no-op item
// runs in about 55 ns, and std::chrono::steady_clock::now() alone took 25 ns
// of that (it added half to a map of no-ops). Where the kernel keeps time
// with the CPU's time stamp counter, the counter is read instead (about 10
// ns) and scaled to the steady clock over the whole chunk; elsewhere the
// steady clock is read.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace herd::engine {

class ItemClock {
 public:
  // Starts the chunk's clock.
  ItemClock();
  // Notes that an item completed now.
  void mark() { marks_.push_back(ticks()); }
  // Microseconds from the previous mark (the start, for the first) to each
  // mark, in order; never negative.
  std::vector<uint64_t> deltas_us() const;

 private:
  static uint64_t ticks();

  std::chrono::steady_clock::time_point start_;
  uint64_t start_ticks_;
  std::vector<uint64_t> marks_;
};

}  // namespace herd::engine
