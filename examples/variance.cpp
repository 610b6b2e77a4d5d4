// Large arguments: 25 arrays of 100,000 doubles (800 kB each) go out as frames
// of their own; each variance computed remotely must match the local one.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <random>
#include <vector>

#include "common.hpp"
#include "herd/herd.hpp"
#include "tasks/example_tasks.hpp"

namespace {

constexpr size_t kArrays = 25;
constexpr size_t kLength = 100'000;
constexpr uint32_t kSeed = 20240601;  // fixed, so every run checks the same data
constexpr double kTolerance = 1e-9;   // relative; room for another compiler's rounding

std::vector<std::vector<double>> random_arrays() {
  std::mt19937 rng(kSeed);
  std::vector<std::vector<double>> arrays(kArrays);
  for (size_t i = 0; i < kArrays; ++i) {
    // A different spread per array, so a result matched to the wrong input shows.
    std::normal_distribution<double> dist(10.0, 1.0 + static_cast<double>(i));
    arrays[i].resize(kLength);
    for (double& x : arrays[i]) x = dist(rng);
  }
  return arrays;
}

}  // namespace

int main() try {
  herd::Client client;
  examples::wait_for_engines(client);
  auto lb = client.load_balanced_view();

  const auto arrays = random_arrays();
  auto m = lb.map(examples::variance, arrays);

  // A task is a plain function: call it here for the reference values.
  std::vector<double> local;
  for (const auto& xs : arrays) local.push_back(examples::variance(xs));
  const std::vector<double> remote = m.get(examples::kResultWait);

  std::cout << " #       local      remote   rel. diff\n" << std::setprecision(6);
  double max_abs = 0.0, max_rel = 0.0;
  size_t mismatches = 0;
  for (size_t i = 0; i < kArrays; ++i) {
    const double abs_diff = std::abs(remote[i] - local[i]);
    const double rel_diff = abs_diff / std::abs(local[i]);
    max_abs = std::max(max_abs, abs_diff);
    max_rel = std::max(max_rel, rel_diff);
    if (!(rel_diff < kTolerance)) ++mismatches;  // written so that a NaN counts as a mismatch
    std::cout << std::setw(2) << i << std::fixed << std::setw(12) << local[i] << std::setw(12)
              << remote[i] << std::scientific << std::setw(12) << std::setprecision(1) << rel_diff
              << std::setprecision(6) << '\n';
  }
  std::cout << "max abs difference " << std::scientific << max_abs << ", max relative " << max_rel
            << '\n';

  if (mismatches > 0)
    return examples::fail(std::to_string(mismatches) + " of " + std::to_string(kArrays) +
                          " remote variances differ from the local ones");
  std::cout << "all " << kArrays << " match\n";
  return 0;
} catch (const herd::Error& error) {
  return examples::report(error);
}
