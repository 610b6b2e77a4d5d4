// map-chunked: a million no-op items through map() with automatic chunking
// (default options), beside the relay sending one message per item with all
// of them outstanding; then a map with one throwing item, which must be
// reported by its index.
#include <algorithm>

#include "../baseline.hpp"
#include "../bench_tasks.hpp"
#include "../local_cluster.hpp"
#include "../workloads.hpp"
#include "scenarios.hpp"

namespace herd::bench {

namespace {

constexpr int kEngines = 2;

// Returns a description of what was checked.
std::string check_failing_item(const LoadBalancedView& lb, size_t items) {
  const int bad = static_cast<int>(items * 3 / 4);
  std::vector<int> inputs(items);
  for (size_t i = 0; i < items; ++i) inputs[i] = static_cast<int>(i);
  const auto m = lb.map(fail_at, inputs, std::vector<int>(items, bad));
  try {
    (void)m.get(result_timeout(items));
    throw BenchFailure("a map with a throwing item succeeded");
  } catch (const RemoteError& e) {
    check(e.index() == bad, "the failing item was reported at index " + std::to_string(e.index()) +
                                ", not " + std::to_string(bad));
    check(e.remote_type().find("runtime_error") != std::string::npos,
          "the failing item's error has type " + e.remote_type());
  }
  check(m[static_cast<size_t>(bad) - 1].get(std::chrono::seconds(1)) == bad - 1,
        "the item before the failing one lost its result");
  check(m[items - 1].get(std::chrono::seconds(1)) == static_cast<int>(items) - 1,
        "the last item lost its result");
  return "map of " + grouped(items) + " items with item " + grouped(static_cast<uint64_t>(bad)) +
         " throwing: RemoteError index() = " + std::to_string(bad) + ", other items intact";
}

}  // namespace

Report run_map_chunked(const Config& config) {
  const size_t count = config.scaled(1'000'000);
  Report report("map-chunked", grouped(count) +
                                   " no-op items through map() with automatic chunking, " +
                                   std::to_string(kEngines) + " engines");
  const double base =
      median_relay_run({.workers = kEngines, .window = count, .count = count}, config.repeats())
          .per_second();
  LocalCluster cluster(kEngines, config.hwm, config.security);
  double herd = 0;
  std::string failing;
  {
    Client client(cluster.client_file());
    client.wait_for_engines(kEngines, std::chrono::seconds(30));
    const auto lb = client.load_balanced_view();
    map_noops(lb, std::min<size_t>(count, 10'000));  // warm up
    herd = median_of(config.repeats(),
                     [&] { return static_cast<double>(count) / map_noops(lb, count); });
    failing = check_failing_item(lb, std::clamp<size_t>(count, 8, 10'000));
  }
  Table& table = report.add_table({"", "items/s", "seconds"});
  table.add_row({"baseline (1 msg/item)", grouped(static_cast<uint64_t>(base)),
                 fixed(static_cast<double>(count) / base, 2)});
  table.add_row({"herd map", grouped(static_cast<uint64_t>(herd)),
                 fixed(static_cast<double>(count) / herd, 2)});
  table.add_row({"herd/baseline", fixed(herd / base, 2), ""});
  report.note("cluster: " + cluster.describe() + "; baseline: " + std::to_string(kEngines) +
              " workers, all " + grouped(count) + " messages outstanding, 16 B");
  report.note("results checked in input order; " + failing);
  auto& j = report.json();
  j["count"] = count;
  j["engines"] = kEngines;
  j["hwm"] = config.hwm;
  j["herd_per_s"] = rounded(herd, 0);
  j["baseline_per_s"] = rounded(base, 0);
  j["ratio"] = rounded(herd / base, 3);
  j["failing_item_reported_by_index"] = true;
  report.add_target({"map-chunked herd/baseline", herd / base, Target::Kind::kAtLeast, 10});
  return report;
}

}  // namespace herd::bench
