// The scenarios of herd-bench (issue 3). Each runs its raw-ZeroMQ baseline
// first (forking the relay before this process holds a ZeroMQ context), then
// herd on a fresh local cluster with the same window, workers and payload,
// and returns a Report with herd's figures, the ratios and the targets.
// Each throws BenchFailure (or a herd::Error) when a result is wrong.
#pragma once

#include "../config.hpp"
#include "../report.hpp"

namespace herd::bench {

Report run_baseline(const Config& config);
Report run_latency(const Config& config);
Report run_throughput(const Config& config);
Report run_map_chunked(const Config& config);
Report run_payload(const Config& config);
Report run_queue(const Config& config);
Report run_engines(const Config& config);
Report run_curve(const Config& config);
Report run_mixed(const Config& config);
Report run_two_clients(const Config& config);

struct Scenario {
  const char* name;
  Report (*run)(const Config&);
};

// In the order `all` runs them.
inline constexpr Scenario kScenarios[] = {
    {"baseline", run_baseline},       {"latency", run_latency}, {"throughput", run_throughput},
    {"map-chunked", run_map_chunked}, {"payload", run_payload}, {"queue", run_queue},
    {"engines", run_engines},         {"curve", run_curve},     {"mixed", run_mixed},
    {"two-clients", run_two_clients},
};

// The payload scenario's batch: 20 tasks of 50 MB each, or 1 MB with --small.
inline constexpr size_t kPayloadTasks = 20;
inline size_t payload_bytes(const Config& config) { return config.small ? 1'000'000 : 50'000'000; }

}  // namespace herd::bench
