// The task streams scenarios time through a real cluster. Each checks every
// result and throws BenchFailure on a wrong one; every wait is bounded.
#pragma once

#include <algorithm>
#include <chrono>
#include <herd/herd.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace herd::bench {

// A wrong result: the bench exits non-zero (unlike a missed target).
class BenchFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline void check(bool ok, const std::string& what) {
  if (!ok) throw BenchFailure(what);
}

// How long a scenario waits for `tasks` results before it gives up.
std::chrono::seconds result_timeout(size_t tasks);

// noop(i) for i in [0, count) through separate apply() calls, at most
// `window` outstanding (waiting for the oldest before the next). Seconds.
double apply_noops(const LoadBalancedView& view, size_t count, size_t window);

// map(noop, [0, count)) through `view`, results checked in input order. Seconds.
double map_noops(const LoadBalancedView& view, size_t count);

// The median of `repeat` calls of fn() (a rate; machines are noisy).
template <class Fn>
double median_of(size_t repeat, Fn fn) {
  std::vector<double> values;
  for (size_t i = 0; i < std::max<size_t>(repeat, 1); ++i) values.push_back(fn());
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Seconds from t0 to now.
double seconds_since(std::chrono::steady_clock::time_point t0);

}  // namespace herd::bench
