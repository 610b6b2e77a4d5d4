// A pipeline built from data dependencies: one task loads a signal, N tasks
// each summarise a slice of it, and a chain of tasks adds the summaries up.
// Every stage is submitted at once; each task runs when the results it
// takes exist, and those results go from engine to engine through the
// controller, never through this program. Only the final sum comes back.
#include <cmath>
#include <iostream>
#include <vector>

#include "common.hpp"
#include "herd/herd.hpp"
#include "tasks/example_tasks.hpp"

namespace {
constexpr int64_t kSeed = 7;
constexpr int64_t kSamples = 1'000'000;  // 8 MB loaded once, read by every slice
constexpr int64_t kSlices = 8;
}  // namespace

int main() try {
  herd::Client client;
  examples::wait_for_engines(client);
  auto lb = client.load_balanced_view();

  // load -> process x N -> reduce, all submitted before anything ran.
  herd::AsyncResult<std::vector<double>> signal = lb.apply(examples::load_signal, kSeed, kSamples);
  std::vector<herd::AsyncResult<std::vector<double>>> slices;
  for (int64_t k = 0; k < kSlices; ++k)
    slices.push_back(lb.apply(examples::slice_moments, signal, k, kSlices));
  herd::AsyncResult<std::vector<double>> total = slices[0];
  for (int64_t k = 1; k < kSlices; ++k) total = lb.apply(examples::add_moments, total, slices[k]);

  const std::vector<double> moments = total.get(examples::kResultWait);
  const double mean = moments[1] / moments[0];
  const double variance = moments[2] / moments[0] - mean * mean;
  std::cout << "pipeline: " << kSlices << " slices of " << kSamples << " samples: mean " << mean
            << ", variance " << variance << '\n';

  // The same numbers computed here, from the same generator.
  const auto local = examples::slice_moments(examples::load_signal(kSeed, kSamples), 0, 1);
  const double local_mean = local[1] / local[0];
  if (moments[0] != local[0] || std::abs(mean - local_mean) > 1e-9)
    return examples::fail("the pipeline's moments differ from a local computation");
  std::cout << "matches a local computation\n";
  return 0;
} catch (const herd::Error& e) {
  return examples::report(e);
}
