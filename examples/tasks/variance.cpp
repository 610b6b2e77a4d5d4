#include <vector>

#include "herd/task.hpp"
#include "tasks/example_tasks.hpp"

namespace examples {

// Two passes (mean, then squared deviations) rather than sum-of-squares, which
// loses precision to cancellation when the mean is large against the spread.
double variance(std::vector<double> xs) {
  if (xs.empty()) return 0.0;
  const auto n = static_cast<double>(xs.size());
  double sum = 0.0;
  for (double x : xs) sum += x;
  const double mean = sum / n;
  double squares = 0.0;
  for (double x : xs) squares += (x - mean) * (x - mean);
  return squares / n;
}

HERD_TASK(variance);

}  // namespace examples
