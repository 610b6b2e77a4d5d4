#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "herd/task.hpp"
#include "tasks/example_tasks.hpp"

namespace examples {

std::vector<double> load_signal(int64_t seed, int64_t samples) {
  // A fixed generator, so a client can check the pipeline against the same data.
  std::vector<double> signal(static_cast<size_t>(samples));
  uint64_t state = static_cast<uint64_t>(seed) * 6364136223846793005ULL + 1442695040888963407ULL;
  for (size_t i = 0; i < signal.size(); ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double noise = static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53);
    signal[i] = std::sin(static_cast<double>(i) * 0.01) + noise - 0.5;
  }
  return signal;
}

std::vector<double> slice_moments(std::vector<double> signal, int64_t part, int64_t parts) {
  const size_t n = signal.size(), p = static_cast<size_t>(part), k = static_cast<size_t>(parts);
  const size_t begin = n * p / k, end = n * (p + 1) / k;
  std::vector<double> moments{0, 0, 0};
  for (size_t i = begin; i < end; ++i) {
    moments[0] += 1;
    moments[1] += signal[i];
    moments[2] += signal[i] * signal[i];
  }
  return moments;
}

std::vector<double> add_moments(std::vector<double> a, std::vector<double> b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) a[i] += b[i];
  return a;
}

HERD_TASK(load_signal);
HERD_TASK(slice_moments);
HERD_TASK(add_moments);

}  // namespace examples
