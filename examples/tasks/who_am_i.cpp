#include <unistd.h>

#include <chrono>
#include <thread>

#include "herd/task.hpp"
#include "tasks/example_tasks.hpp"

namespace examples {

int64_t who_am_i() {
  // The sleep keeps each engine busy long enough that a batch spreads over all of them.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  return static_cast<int64_t>(::getpid());
}

HERD_TASK(who_am_i);

}  // namespace examples
