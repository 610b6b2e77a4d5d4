// throughput: no-op tasks through separate apply() calls (a window of W
// outstanding) and through map() with one task per item, on 2 and 4
// engines, beside the relay with as many workers and the same window. A
// second table splits the CPU time per task by process, which stays
// meaningful when other work shares the machine.
#include "../baseline.hpp"
#include "../cpu_table.hpp"
#include "../local_cluster.hpp"
#include "../workloads.hpp"
#include "scenarios.hpp"

namespace herd::bench {

namespace {

struct Run {
  int engines;
  std::string mode;
  size_t window;
  double herd_per_s;
  CpuSplit herd_cpu;  // over all repeats
  size_t herd_tasks;  // tasks the CPU split covers
  RelayRun base;
  double ratio() const { return herd_per_s / base.per_second(); }
  // baseline CPU per message / herd CPU per task: the rate ratio a saturated
  // machine would show, unaffected by what else runs on it.
  double cpu_ratio() const {
    const double herd = herd_cpu.total_seconds() / static_cast<double>(herd_tasks);
    return herd > 0 ? base.cpu.total_seconds() / static_cast<double>(base.params.count) / herd : 0;
  }
};

void add_json(Report& report, const Run& r) {
  nlohmann::ordered_json j = {{"engines", r.engines},
                              {"mode", r.mode},
                              {"window", r.window},
                              {"herd_per_s", rounded(r.herd_per_s, 0)},
                              {"baseline_per_s", rounded(r.base.per_second(), 0)},
                              {"ratio", rounded(r.ratio(), 3)},
                              {"cpu_ratio", rounded(r.cpu_ratio(), 3)}};
  j["herd_cpu"] = cpu_json(r.herd_cpu, r.herd_tasks);
  j["baseline_cpu"] = cpu_json(r.base.cpu, r.base.params.count);
  report.json()["runs"].push_back(std::move(j));
}

}  // namespace

Report run_throughput(const Config& config) {
  const size_t count = config.scaled(100'000), repeat = config.repeats();
  Report report("throughput", grouped(count) + " no-op tasks, apply() and map(chunksize=1)");
  std::vector<Run> runs;
  for (int engines : {2, 4}) {
    // The relay runs first: it forks, and must do so before the client exists.
    RelayRun base_window =
        median_relay_run({.workers = engines, .window = config.window, .count = count}, repeat);
    RelayRun base_all =
        median_relay_run({.workers = engines, .window = count, .count = count}, repeat);
    LocalCluster cluster(engines, config.hwm, config.security);
    Client client(cluster.client_file());
    client.wait_for_engines(static_cast<size_t>(engines), std::chrono::seconds(30));
    const auto lb = client.load_balanced_view();
    apply_noops(lb, std::min<size_t>(count, 1000), config.window);  // warm up
    const double n = static_cast<double>(count);
    CpuSplit apply_cpu = cluster_processes(client), map_cpu = apply_cpu;
    apply_cpu.start();
    const double apply =
        median_of(repeat, [&] { return n / apply_noops(lb, count, config.window); });
    apply_cpu.stop();
    const auto one_each = lb.with({.chunksize = 1});
    map_cpu.start();
    const double map = median_of(repeat, [&] { return n / map_noops(one_each, count); });
    map_cpu.stop();
    runs.push_back({engines, "apply", config.window, apply, apply_cpu, count * repeat,
                    std::move(base_window)});
    runs.push_back(
        {engines, "map chunksize=1", count, map, map_cpu, count * repeat, std::move(base_all)});
  }
  Table& rates = report.add_table(
      {"engines", "mode", "window", "herd tasks/s", "baseline msgs/s", "herd/baseline"});
  std::vector<std::string> cpu_head = {"per task", ""};
  for (auto& c : cpu_columns()) cpu_head.push_back(std::move(c));
  cpu_head.push_back("CPU baseline/herd");
  Table& cpu = report.add_table(std::move(cpu_head));
  for (const auto& r : runs) {
    rates.add_row({std::to_string(r.engines), r.mode, grouped(r.window),
                   grouped(static_cast<uint64_t>(r.herd_per_s)),
                   grouped(static_cast<uint64_t>(r.base.per_second())), fixed(r.ratio(), 2)});
    const std::string label = std::to_string(r.engines) + " engines, " + r.mode;
    std::vector<std::string> herd_row = {label, "herd"}, base_row = {"", "baseline"};
    for (auto& c : cpu_cells(r.herd_cpu, r.herd_tasks)) herd_row.push_back(std::move(c));
    for (auto& c : cpu_cells(r.base.cpu, r.base.params.count)) base_row.push_back(std::move(c));
    herd_row.push_back(fixed(r.cpu_ratio(), 2));
    cpu.add_row(std::move(herd_row));
    cpu.add_row(std::move(base_row));
    add_json(report, r);
  }
  report.note("cluster: " + cluster_command("2|4", config.hwm, config.security) +
              "; a map's window is all its items (the baseline sends all at once too); median of " +
              std::to_string(repeat) + " runs");
  report.json()["count"] = count;
  report.json()["hwm"] = config.hwm;
  report.add_target(
      {"apply 2 engines herd/baseline", runs[0].ratio(), Target::Kind::kAtLeast, 0.5});
  return report;
}

}  // namespace herd::bench
