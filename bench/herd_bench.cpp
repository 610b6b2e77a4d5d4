// herd-bench: named scenarios, each printing a table and one JSON line, with
// herd's figure beside a raw-ZeroMQ baseline measured in the same run.
//   herd-bench latency [--count N]
#include <cstdio>
#include <cstring>
#include <herd/herd.hpp>
#include <string>

#include "baseline.hpp"
#include "local_cluster.hpp"
#include "stats.hpp"

int noop(int x);  // in libherd_bench_tasks

namespace herd::bench {
namespace {

std::vector<double> herd_round_trips(int count) {
  LocalCluster cluster(1, HERD_BENCH_TASKS);
  Client client(cluster.client_file());
  client.wait_for_engines(1, std::chrono::seconds(30));
  auto lb = client.load_balanced_view();
  std::vector<double> samples;
  samples.reserve(static_cast<size_t>(count));
  for (int i = -100; i < count; ++i) {  // the first 100 warm up the connections
    const auto t0 = std::chrono::steady_clock::now();
    if (lb.apply(noop, i).get(std::chrono::seconds(10)) != i) throw Error("noop returned garbage");
    if (i >= 0) samples.push_back(micros_since(t0));
  }
  return samples;
}

int latency(int count) {
  const LatencySummary base = summarize(baseline_round_trips(count));
  const LatencySummary herd = summarize(herd_round_trips(count));
  std::printf("scenario latency: %d sequential round trips of a no-op task, 1 engine\n", count);
  std::printf("%-10s %10s %10s %10s %10s\n", "", "p50 us", "p99 us", "p99.9 us", "mean us");
  std::printf("%-10s %10.1f %10.1f %10.1f %10.1f\n", "baseline", base.p50_us, base.p99_us,
              base.p999_us, base.mean_us);
  std::printf("%-10s %10.1f %10.1f %10.1f %10.1f\n", "herd", herd.p50_us, herd.p99_us,
              herd.p999_us, herd.mean_us);
  std::printf("%-10s %10.2f\n", "ratio", herd.p50_us / base.p50_us);
  std::printf(
      "{\"scenario\":\"latency\",\"count\":%d,\"herd_p50_us\":%.1f,\"herd_p99_us\":%.1f,"
      "\"herd_p999_us\":%.1f,\"baseline_p50_us\":%.1f,\"baseline_p99_us\":%.1f,\"p50_ratio\":%.2f}\n",
      count, herd.p50_us, herd.p99_us, herd.p999_us, base.p50_us, base.p99_us,
      herd.p50_us / base.p50_us);
  return 0;
}

}  // namespace
}  // namespace herd::bench

int main(int argc, char** argv) {
  const std::string scenario = argc > 1 ? argv[1] : "";
  int count = 1000;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--count") == 0) count = std::atoi(argv[i + 1]);
  try {
    if (scenario == "latency" || scenario == "all") return herd::bench::latency(count);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "herd-bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: herd-bench latency|all [--count N]\n");
  return 2;
}
