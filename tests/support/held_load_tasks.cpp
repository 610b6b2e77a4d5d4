// A task library whose loading waits while the file named by
// HERD_TEST_HOLD_FILE exists (at most 60 s): an engine that loads it stays
// "starting" for as long as a test keeps that file. It offers no task.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace {

[[maybe_unused]] const bool waited = [] {
  const char* file = std::getenv("HERD_TEST_HOLD_FILE");
  for (int i = 0; file != nullptr && i < 600 && ::access(file, F_OK) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return true;
}();

}  // namespace
