// DirectView and engine state: scatter an array across the engines, have
// each engine sum its own part from its store, then gather the partial sums
// (and the parts themselves) back in engine order.
#include <cmath>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <vector>

#include "common.hpp"
#include "herd/herd.hpp"
#include "tasks/example_tasks.hpp"

namespace {

constexpr size_t kLength = 1'000'001;  // not a multiple of the engine count, usually

}  // namespace

int main() try {
  herd::Client client;
  examples::wait_for_engines(client);
  herd::DirectView dv = client.direct_view();  // every engine live at each call
  const std::vector<uint32_t> engines = dv.targets();

  std::vector<double> xs(kLength);
  std::iota(xs.begin(), xs.end(), 1.0);
  dv.scatter("xs", xs).get(examples::kResultWait);  // contiguous parts, in engine order

  // One result per engine, in target order; each also keeps its sum.
  const std::vector<double> returned =
      dv.apply(examples::partial_sum, "xs").get(examples::kResultWait);
  const std::vector<double> partials = dv.gather<double>("xs.sum").get(examples::kResultWait);

  std::cout << std::fixed << std::setprecision(1);
  for (size_t i = 0; i < engines.size(); ++i)
    std::cout << "engine " << engines[i] << ": partial sum " << partials[i] << '\n';
  const double total = std::accumulate(partials.begin(), partials.end(), 0.0);
  const double n = static_cast<double>(kLength);
  const double expected = n * (n + 1) / 2;
  std::cout << "total " << total << " (expected " << expected << ")\n";

  if (returned != partials) return examples::fail("apply and gather disagree on the partial sums");
  if (std::abs(total - expected) > 1e-9 * expected) return examples::fail("wrong total");
  if (dv.gather<double>("xs").get(examples::kResultWait) != xs)
    return examples::fail("gather did not restore the scattered array");
  std::cout << "gather restored all " << kLength << " items\n";
  return 0;
} catch (const herd::Error& error) {
  return examples::report(error);
}
