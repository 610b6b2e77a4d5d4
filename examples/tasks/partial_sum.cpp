#include <numeric>
#include <string>
#include <vector>

#include "herd/engine_store.hpp"
#include "herd/task.hpp"
#include "tasks/example_tasks.hpp"

namespace examples {

// Reads this engine's part of the array from its store, and keeps the sum
// there too (as a one-element vector, so that gather() collects them all).
double partial_sum(std::string key) {
  const auto part = herd::engine_store().get<std::vector<double>>(key);
  const double sum = std::accumulate(part.begin(), part.end(), 0.0);
  herd::engine_store().set(key + ".sum", std::vector<double>{sum});
  return sum;
}

HERD_TASK(partial_sum);

}  // namespace examples
