// The task streams scenarios time through a real cluster. Each checks every
// result and throws BenchFailure on a wrong one; every wait is bounded.
#pragma once

#include <chrono>
#include <herd/herd.hpp>
#include <stdexcept>
#include <string>

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

// Seconds from t0 to now.
double seconds_since(std::chrono::steady_clock::time_point t0);

}  // namespace herd::bench
