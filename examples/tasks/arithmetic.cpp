// The one-line numeric tasks.
#include <cmath>

#include "herd/task.hpp"
#include "tasks/example_tasks.hpp"

namespace examples {

int expensive_calculation(int num1, int num2) { return 2 * num1 + num2; }

double square_root(double x) { return std::sqrt(x); }

HERD_TASK(expensive_calculation);
HERD_TASK(square_root);

}  // namespace examples
