// throughput: no-op tasks through separate apply() calls (a window of W
// outstanding) and through map() with one task per item, on 2 and 4
// engines, beside the relay with as many workers and the same window.
#include "../baseline.hpp"
#include "../local_cluster.hpp"
#include "../workloads.hpp"
#include "scenarios.hpp"

namespace herd::bench {

namespace {

struct Run {
  int engines;
  std::string mode;
  size_t window;
  double herd_per_s, baseline_per_s;
  double ratio() const { return herd_per_s / baseline_per_s; }
};

double relay_rate(int workers, size_t window, size_t count, size_t repeat) {
  return median_relay_run({.workers = workers, .window = window, .count = count}, repeat).per_second();
}

}  // namespace

Report run_throughput(const Config& config) {
  const size_t count = config.scaled(100'000);
  Report report("throughput", grouped(count) + " no-op tasks, apply() and map(chunksize=1)");
  std::vector<Run> runs;
  for (int engines : {2, 4}) {
    // All relay runs first: the relay forks, and must do so before the client exists.
    const double base_window = relay_rate(engines, config.window, count, config.repeats());
    const double base_all = relay_rate(engines, count, count, config.repeats());
    LocalCluster cluster(engines, config.hwm);
    Client client(cluster.client_file());
    client.wait_for_engines(static_cast<size_t>(engines), std::chrono::seconds(30));
    const auto lb = client.load_balanced_view();
    apply_noops(lb, std::min<size_t>(count, 1000), config.window);  // warm up
    const double n = static_cast<double>(count);
    const double apply = median_of(config.repeats(), [&] { return n / apply_noops(lb, count, config.window); });
    const auto one_each = lb.with({.chunksize = 1});
    const double map = median_of(config.repeats(), [&] { return n / map_noops(one_each, count); });
    runs.push_back({engines, "apply", config.window, apply, base_window});
    runs.push_back({engines, "map chunksize=1", count, map, base_all});
  }
  Table& table = report.add_table({"engines", "mode", "window", "herd tasks/s", "baseline msgs/s", "herd/baseline"});
  for (const auto& r : runs) {
    table.add_row({std::to_string(r.engines), r.mode, grouped(r.window),
                   grouped(static_cast<uint64_t>(r.herd_per_s)),
                   grouped(static_cast<uint64_t>(r.baseline_per_s)), fixed(r.ratio(), 2)});
    report.json()["runs"].push_back({{"engines", r.engines},
                                     {"mode", r.mode},
                                     {"window", r.window},
                                     {"herd_per_s", rounded(r.herd_per_s, 0)},
                                     {"baseline_per_s", rounded(r.baseline_per_s, 0)},
                                     {"ratio", rounded(r.ratio(), 3)}});
  }
  report.note("cluster: herd cluster start --n 2|4 --hwm " + std::to_string(config.hwm) +
              "; a map's window is all its items (the baseline sends all at once too)");
  report.json()["count"] = count;
  report.json()["hwm"] = config.hwm;
  report.add_target({"apply 2 engines herd/baseline", runs[0].ratio(), Target::Kind::kAtLeast, 0.5});
  return report;
}

}  // namespace herd::bench
