// The transport floor: requests through the raw-ZeroMQ relay (relay.hpp),
// measured the way herd is measured, with the same window of outstanding
// requests, the same number of workers and the same payload.
#pragma once

#include <cstddef>
#include <vector>

#include "proc_stats.hpp"

namespace herd::bench {

struct RelayParams {
  int workers = 1;
  size_t window = 1;          // requests outstanding at most; 1 = sequential round trips
  size_t request_bytes = 16;  // at least 8: a sequence number leads every request
  size_t reply_bytes = 16;
  size_t count = 1000;  // timed requests
  size_t warmup = 100;  // sequential requests before timing starts
};

struct RelayRun {
  RelayParams params;
  std::vector<double> latencies_us;  // per request, in completion order
  double seconds = 0;                // from the first timed send to the last reply
  CpuSplit cpu;                      // client, broker, workers over the timed requests
  double per_second() const {
    return seconds > 0 ? static_cast<double>(params.count) / seconds : 0;
  }
  // Request bytes per second, in MB (10^6 bytes).
  double mb_per_second() const {
    return per_second() * static_cast<double>(params.request_bytes) / 1e6;
  }
};

// Starts the relay's processes, runs the requests, stops the processes.
// Throws std::runtime_error if a reply is missing for 30 s or is wrong.
RelayRun run_relay(const RelayParams& params);
// The run with the median rate of `repeat` runs (machines are noisy).
RelayRun median_relay_run(const RelayParams& params, size_t repeat);

}  // namespace herd::bench
