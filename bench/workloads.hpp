// The task streams scenarios time through a real cluster. Each checks every
// result and throws BenchFailure on a wrong one; every wait is bounded.
#pragma once

#include <algorithm>
#include <chrono>
#include <herd/herd.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "proc_stats.hpp"
#include "stats.hpp"

namespace herd::bench {

// A wrong result: the bench exits non-zero (unlike a missed target).
class BenchFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline void check(bool ok, const std::string& what) {
  if (!ok) throw BenchFailure(what);
}

// Seconds from t0 to now.
double seconds_since(std::chrono::steady_clock::time_point t0);

// How long a scenario waits for `tasks` results before it gives up.
std::chrono::seconds result_timeout(size_t tasks);

// noop(i) for i in [0, count) through separate apply() calls, at most
// `window` outstanding (waiting for the oldest before the next). Seconds.
double apply_noops(const LoadBalancedView& view, size_t count, size_t window);

// map(noop, [0, count)) through `view`, results checked in input order. Seconds.
double map_noops(const LoadBalancedView& view, size_t count);

// noop(i) through apply() and get(), one at a time, after 100 untimed; the
// microseconds of each timed round trip. `cpu`, if given, covers the timed ones.
std::vector<double> round_trip_noops(const LoadBalancedView& view, size_t count,
                                     CpuSplit* cpu = nullptr);

// Seconds to submit `tasks` payload tasks at once and get their results;
// `submit(view)` returns an AsyncResult<size_t> that must hold `expected`
// (what the task counted); `kind` names the payload in errors.
template <class Submit>
double time_payload_batch(const LoadBalancedView& view, size_t tasks, const std::string& kind,
                          size_t expected, Submit submit) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<AsyncResult<size_t>> results;
  for (size_t i = 0; i < tasks; ++i) results.push_back(submit(view));
  for (const auto& r : results) {
    const size_t got = r.get(result_timeout(tasks * 100));
    check(got == expected,
          kind + " task saw " + std::to_string(got) + " items, not " + std::to_string(expected));
  }
  return seconds_since(t0);
}

// The median of `repeat` calls of fn() (a rate; machines are noisy).
template <class Fn>
double median_of(size_t repeat, Fn fn) {
  std::vector<double> values;
  for (size_t i = 0; i < std::max<size_t>(repeat, 1); ++i) values.push_back(fn());
  return median(std::move(values));
}

}  // namespace herd::bench
