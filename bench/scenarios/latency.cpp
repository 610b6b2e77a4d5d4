// latency: sequential no-op apply + get round trips through a controller and
// one engine, beside sequential round trips through the relay (1 worker).
#include "../baseline.hpp"
#include "../cpu_table.hpp"
#include "../local_cluster.hpp"
#include "../stats.hpp"
#include "../workloads.hpp"
#include "scenarios.hpp"

namespace herd::bench {

namespace {

void add_row(Table& table, const char* who, const LatencySummary& s) {
  table.add_row(
      {who, fixed(s.p50_us, 1), fixed(s.p99_us, 1), fixed(s.p999_us, 1), fixed(s.mean_us, 1)});
}

}  // namespace

Report run_latency(const Config& config) {
  const size_t count = config.scaled(10'000);
  Report report("latency", grouped(count) + " sequential round trips of a no-op task, 1 engine");
  const RelayRun relay = run_relay({.workers = 1, .window = 1, .count = count});
  const LatencySummary base = summarize(relay.latencies_us);
  LocalCluster cluster(1, config.hwm, config.security);
  LatencySummary herd;
  CpuSplit cpu;
  {
    Client client(cluster.client_file());
    client.wait_for_engines(1, std::chrono::seconds(30));
    cpu = cluster_processes(client);
    herd = summarize(round_trip_noops(client.load_balanced_view(), count, &cpu));
  }
  Table& table = report.add_table({"", "p50 us", "p99 us", "p99.9 us", "mean us"});
  add_row(table, "baseline", base);
  add_row(table, "herd", herd);
  table.add_row({"herd/baseline", fixed(herd.p50_us / base.p50_us, 2),
                 fixed(herd.p99_us / base.p99_us, 2), fixed(herd.p999_us / base.p999_us, 2),
                 fixed(herd.mean_us / base.mean_us, 2)});
  // Thread runs per round trip count the wake-ups a task needs; on a
  // loaded machine each is a chance to wait for a CPU.
  std::vector<std::string> head = {"per round trip"};
  for (auto& c : cpu_columns()) head.push_back(std::move(c));
  Table& use = report.add_table(std::move(head));
  std::vector<std::string> herd_row = {"herd"}, base_row = {"baseline"};
  for (auto& c : cpu_cells(cpu, count)) herd_row.push_back(std::move(c));
  for (auto& c : cpu_cells(relay.cpu, count)) base_row.push_back(std::move(c));
  use.add_row(std::move(base_row));
  use.add_row(std::move(herd_row));
  report.note("cluster: " + cluster.describe() + "; baseline: 1 worker, window 1, 16 B");
  auto& j = report.json();
  j["count"] = count;
  j["hwm"] = config.hwm;
  j["herd_p50_us"] = rounded(herd.p50_us, 1);
  j["herd_p99_us"] = rounded(herd.p99_us, 1);
  j["herd_p999_us"] = rounded(herd.p999_us, 1);
  j["baseline_p50_us"] = rounded(base.p50_us, 1);
  j["baseline_p99_us"] = rounded(base.p99_us, 1);
  j["baseline_p999_us"] = rounded(base.p999_us, 1);
  j["p50_ratio"] = rounded(herd.p50_us / base.p50_us, 2);
  j["herd_cpu"] = cpu_json(cpu, count);
  j["baseline_cpu"] = cpu_json(relay.cpu, count);
  report.add_target(
      {"latency p50 herd/baseline", herd.p50_us / base.p50_us, Target::Kind::kAtMost, 1.5});
  return report;
}

}  // namespace herd::bench
