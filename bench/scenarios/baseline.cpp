// baseline: the raw relay alone, in each shape the herd scenarios use.
#include "../baseline.hpp"

#include "../stats.hpp"
#include "scenarios.hpp"

namespace herd::bench {

Report run_baseline(const Config& config) {
  Report report("baseline",
                "raw ZeroMQ relay (client DEALER -> broker ROUTER/ROUTER process -> "
                "worker processes), tcp://127.0.0.1");
  const size_t sequential = config.scaled(10'000), pipelined = config.scaled(100'000);
  const size_t payload = payload_bytes(config);
  std::vector<RelayParams> shapes = {
      {.workers = 1, .window = 1, .count = sequential},
      {.workers = 2, .window = config.window, .count = pipelined},
      {.workers = 2, .window = pipelined, .count = pipelined},
      {.workers = 4, .window = config.window, .count = pipelined},
      {.workers = 2, .window = 2, .request_bytes = payload, .count = kPayloadTasks, .warmup = 2},
  };
  Table& table = report.add_table({"workers", "window", "request B", "count", "msgs/s", "MB/s",
                                   "p50 us", "p99 us", "p99.9 us"});
  for (const auto& shape : shapes) {
    const RelayRun run = median_relay_run(shape, config.repeats());
    const LatencySummary lat = summarize(run.latencies_us);
    table.add_row({std::to_string(shape.workers), grouped(shape.window),
                   grouped(shape.request_bytes), grouped(shape.count),
                   grouped(static_cast<uint64_t>(run.per_second())), fixed(run.mb_per_second(), 1),
                   fixed(lat.p50_us, 1), fixed(lat.p99_us, 1), fixed(lat.p999_us, 1)});
    report.json()["runs"].push_back({{"workers", shape.workers},
                                     {"window", shape.window},
                                     {"request_bytes", shape.request_bytes},
                                     {"count", shape.count},
                                     {"per_s", rounded(run.per_second(), 0)},
                                     {"mb_per_s", rounded(run.mb_per_second(), 1)},
                                     {"p50_us", rounded(lat.p50_us, 1)},
                                     {"p99_us", rounded(lat.p99_us, 1)}});
  }
  return report;
}

}  // namespace herd::bench
