#include <stdexcept>

#include "herd/task.hpp"
#include "tasks/example_tasks.hpp"

namespace examples {

int hates_eights(int n) {
  if (n == 8) throw std::invalid_argument("I hate 8");
  return n;
}

HERD_TASK(hates_eights);

}  // namespace examples
