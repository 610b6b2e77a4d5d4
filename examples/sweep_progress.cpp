// A parameter sweep that takes results as they complete: a coarse sweep
// read with as_completed() under a progress bar (drawn only when stderr is
// a terminal), then a finer one around the best point waited on with
// wait_interactive(), and a done callback announcing the end.
#include <algorithm>
#include <cmath>
#include <future>
#include <iostream>
#include <vector>

#include "common.hpp"
#include "herd/herd.hpp"
#include "tasks/example_tasks.hpp"

namespace {
constexpr int kCoarsePoints = 40;  // damping 0 to 1.95: below critical damping (2)
constexpr double kCoarseStep = 0.05;
constexpr int kFinePoints = 21;
}  // namespace

int main() try {
  herd::Client client;
  examples::wait_for_engines(client);
  // One task per point: the points take a while each, so balance beats batching.
  auto lb = client.load_balanced_view({.chunksize = 1});

  std::vector<double> coarse;
  for (int i = 0; i < kCoarsePoints; ++i) coarse.push_back(i * kCoarseStep);
  auto sweep = lb.map(examples::damped_energy, coarse);

  // Results as they finish, not in input order: nothing waits on a slow point.
  herd::ProgressBar bar(sweep.size());
  size_t done = 0, best = 0;
  std::vector<double> energy(coarse.size());
  for (size_t i : sweep.as_completed()) {
    energy[i] = sweep[i].get();
    if (energy[i] < energy[best] || done == 0) best = i;
    bar.update(++done, 0);
  }
  bar.finish();
  std::cout << "coarse sweep: " << done << " points, least energy " << energy[best]
            << " at damping " << coarse[best] << '\n';

  // A finer sweep around the best damping of the coarse one.
  std::vector<double> fine;
  for (int i = 0; i < kFinePoints; ++i)
    fine.push_back(std::max(0.0, coarse[best] + (i - kFinePoints / 2) * kCoarseStep / 10));
  auto refined = lb.map(examples::damped_energy, fine);
  std::promise<size_t> finished;
  refined.add_done_callback([&finished](const herd::AsyncMapResult<double>& m) {
    finished.set_value(m.size());  // on herd's callback thread
  });
  refined.wait_interactive();
  const std::vector<double> fine_energy = refined.get();
  const auto fine_best = std::min_element(fine_energy.begin(), fine_energy.end());
  std::cout << "fine sweep: least energy " << *fine_best << " at damping "
            << fine[static_cast<size_t>(fine_best - fine_energy.begin())] << '\n';
  auto announced = finished.get_future();
  if (announced.wait_for(examples::kResultWait) != std::future_status::ready)
    return examples::fail("the done callback did not run");
  std::cout << "done callback saw " << announced.get() << " points\n";

  // Undamped, the oscillator keeps its energy of 0.5; damped, it loses some.
  if (std::abs(energy[0] - 0.5) > 0.01) return examples::fail("the undamped energy drifted");
  if (std::any_of(energy.begin() + 1, energy.end(), [&](double e) { return e >= energy[0]; }))
    return examples::fail("a damped point kept all its energy");
  return 0;
} catch (const herd::Error& error) {
  return examples::report(error);
}
