// A second task library, for engines that offer other tasks than the rest
// of their cluster (herd cluster engines --load libherd_test_extra_tasks.so).
#include <string>

#include "herd/task.hpp"

namespace extra_tasks {

// A second build of this library (herd_test_extra_tasks_v2) says so.
#ifndef HERD_EXTRA_TASKS_BUILD
#define HERD_EXTRA_TASKS_BUILD "extra"
#endif

std::string only_extra() { return HERD_EXTRA_TASKS_BUILD; }

HERD_TASK(only_extra);

}  // namespace extra_tasks
