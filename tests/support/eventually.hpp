// Polling for a condition in tests, bounded in time.
#pragma once

#include <chrono>
#include <thread>

namespace herd::test {

// Polls `done` every 20 ms until it holds or `bound` passes.
template <class Done>
bool eventually(Done done, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace herd::test
