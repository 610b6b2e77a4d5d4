// A second task library, for engines that offer other tasks than the rest
// of their cluster (herd cluster engines --load libherd_test_extra_tasks.so).
#include <string>

#include "herd/task.hpp"

namespace extra_tasks {

std::string only_extra() { return "extra"; }

HERD_TASK(only_extra);

}  // namespace extra_tasks
