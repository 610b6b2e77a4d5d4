#include "tasks.hpp"

#include <herd/task.hpp>

int triple(int x) { return 3 * x; }

HERD_TASK(triple);
