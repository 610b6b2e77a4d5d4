// A damped oscillator: the task of the parameter sweep (sweep_progress.cpp).
#include "herd/task.hpp"
#include "tasks/example_tasks.hpp"

namespace examples {

double damped_energy(double damping) {
  // Semi-implicit Euler keeps the undamped energy bounded, so every loss
  // in the result comes from the damping.
  constexpr double kStep = 1e-5;
  constexpr int kSteps = 4'000'000;  // 40 time units: tens of milliseconds of work
  double x = 1.0, v = 0.0;
  for (int i = 0; i < kSteps; ++i) {
    v += (-x - damping * v) * kStep;
    x += v * kStep;
  }
  return 0.5 * (x * x + v * v);
}

HERD_TASK(damped_energy);

}  // namespace examples
