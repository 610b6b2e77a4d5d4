#include "workloads.hpp"

#include <deque>
#include <numeric>
#include <vector>

#include "bench_tasks.hpp"

namespace herd::bench {

using Clock = std::chrono::steady_clock;

std::chrono::seconds result_timeout(size_t tasks) {
  // Generous: a slow core fails the bench only when something is stuck.
  return std::chrono::seconds(60 + tasks / 2000);
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double apply_noops(const LoadBalancedView& view, size_t count, size_t window) {
  std::deque<AsyncResult<int>> outstanding;
  constexpr auto kEach = std::chrono::seconds(60);
  int expected = 0;
  auto collect_oldest = [&] {
    const int got = outstanding.front().get(kEach);
    check(got == expected,
          "noop(" + std::to_string(expected) + ") returned " + std::to_string(got));
    outstanding.pop_front();
    ++expected;
  };
  const auto t0 = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    if (outstanding.size() >= window) collect_oldest();
    outstanding.push_back(view.apply(noop, static_cast<int>(i)));
  }
  while (!outstanding.empty()) collect_oldest();
  return seconds_since(t0);
}

std::vector<double> round_trip_noops(const LoadBalancedView& view, size_t count, CpuSplit* cpu) {
  constexpr int kWarmup = 100;
  std::vector<double> samples;
  samples.reserve(count);
  for (int i = -kWarmup; i < static_cast<int>(count); ++i) {
    if (i == 0 && cpu) cpu->start();
    const auto t0 = Clock::now();
    const int got = view.apply(noop, i).get(std::chrono::seconds(10));
    check(got == i, "noop(" + std::to_string(i) + ") returned " + std::to_string(got));
    if (i >= 0) samples.push_back(micros_since(t0));
  }
  if (cpu) cpu->stop();
  return samples;
}

double map_noops(const LoadBalancedView& view, size_t count) {
  std::vector<int> inputs(count);
  std::iota(inputs.begin(), inputs.end(), 0);
  const auto t0 = Clock::now();
  const std::vector<int> results = view.map(noop, inputs).get(result_timeout(count));
  const double seconds = seconds_since(t0);
  check(results.size() == count, "map returned " + std::to_string(results.size()) +
                                     " results for " + std::to_string(count) + " inputs");
  for (size_t i = 0; i < count; ++i)
    check(results[i] == inputs[i], "map result " + std::to_string(i) + " is " +
                                       std::to_string(results[i]) + ": out of input order");
  return seconds;
}

}  // namespace herd::bench
