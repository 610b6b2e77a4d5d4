// curve: what CurveZMQ costs (issue 7). Two clusters, identical but for
// --insecure, run side by side; every measurement alternates between them,
// round after round, so a change in the machine's load hits both alike. Each
// measures what another scenario does: the no-op apply() rate with the
// throughput scenario's window, the p50 of sequential no-op round trips as
// latency does, and MB/s of payload's batch of herd::Bytes.
#include <algorithm>

#include "../bench_tasks.hpp"
#include "../cpu_table.hpp"
#include "../local_cluster.hpp"
#include "../stats.hpp"
#include "../workloads.hpp"
#include "scenarios.hpp"

namespace herd::bench {

namespace {

constexpr int kEngines = 2;

// One kind of measurement on one cluster: its values over every round, and
// the CPU its processes used meanwhile, per unit (task, round trip or MB).
struct Measure {
  std::vector<double> values;
  CpuSplit cpu;
  size_t units = 0;

  template <class Fn>
  void timed(size_t n, Fn fn) {
    cpu.start();
    fn();
    cpu.stop();
    units += n;
  }
};

// One of the two clusters, and what was measured on it.
struct Side {
  Side(Security mode, const Config& config)
      : security(mode),
        cluster(kEngines, config.hwm, mode),
        client(cluster.client_file()),
        lb(client.load_balanced_view()) {
    client.wait_for_engines(kEngines, std::chrono::seconds(30));
    const std::string reported = client.status().security;
    check(reported == security_name(mode),
          std::string("a cluster started for ") + security_name(mode) + " reports " + reported);
    apply.cpu = trips.cpu = payload.cpu = cluster_processes(client);
  }

  const Security security;
  LocalCluster cluster;
  Client client;
  const LoadBalancedView lb;
  Measure apply;    // tasks/s, one value per round
  Measure trips;    // µs, one value per round trip
  Measure payload;  // MB/s, one value per round
};

// How each measure is reported; the figure is the median of its values (for
// the round trips, their p50).
struct Kind {
  const char* label;
  const char* json_key;
  int decimals;
  const char* cpu_label;
  const char* cpu_key;
  Measure Side::*measure;
};

constexpr Kind kKinds[] = {
    {"apply tasks/s", "apply_per_s", 0, "apply, per task", "apply_per_task", &Side::apply},
    {"round trip p50 us", "p50_us", 1, "round trip", "per_round_trip", &Side::trips},
    {"herd::Bytes MB/s", "mb_per_s", 0, "herd::Bytes, per MB", "per_mb", &Side::payload},
};

// Round trips per side and round: latency's count (--count sets the apply()
// count only), spread over the rounds.
size_t trips_per_round(const Config& config) {
  return std::max<size_t>((config.small ? 100 : 10'000) / config.repeats(), 1);
}

std::string cell(double value, int decimals) {
  return decimals == 0 ? grouped(static_cast<uint64_t>(value)) : fixed(value, decimals);
}

// Alternates between the sides, round after round.
void measure(Side& insecure, Side& curve, const Config& config) {
  const size_t count = config.scaled(100'000), rounds = config.repeats();
  const size_t trips = trips_per_round(config);
  const size_t bytes_each = payload_bytes(config), mb = kPayloadTasks * bytes_each / 1'000'000;
  const Bytes bytes(std::vector<std::byte>(bytes_each, std::byte{7}));
  for (Side* side : {&insecure, &curve})
    apply_noops(side->lb, std::min<size_t>(count, 1000), config.window);  // warm up
  for (size_t round = 0; round < rounds; ++round) {
    for (Side* side : {&insecure, &curve}) {
      side->apply.timed(count, [&] {
        side->apply.values.push_back(static_cast<double>(count) /
                                     apply_noops(side->lb, count, config.window));
      });
      const auto samples = round_trip_noops(side->lb, trips, &side->trips.cpu);
      side->trips.values.insert(side->trips.values.end(), samples.begin(), samples.end());
      side->trips.units += trips;
      side->payload.timed(mb, [&] {
        const double seconds = time_payload_batch(
            side->lb, kPayloadTasks, "herd::Bytes", bytes_each,
            [&](const LoadBalancedView& lb) { return lb.apply(payload_size, bytes); });
        side->payload.values.push_back(static_cast<double>(mb) / seconds);
      });
    }
  }
}

void add_cpu_row(Table& table, const std::string& label, const Side& side, const Measure& m,
                 const std::string& ratio) {
  std::vector<std::string> row = {label, security_name(side.security)};
  for (auto& c : cpu_cells(m.cpu, m.units)) row.push_back(std::move(c));
  row.push_back(ratio);
  table.add_row(std::move(row));
}

}  // namespace

Report run_curve(const Config& config) {
  const size_t count = config.scaled(100'000), payload = payload_bytes(config);
  Report report("curve", "CurveZMQ against --insecure, " + std::to_string(kEngines) +
                             " engines each: " + grouped(count) + " no-op apply(), " +
                             grouped(trips_per_round(config) * config.repeats()) +
                             " round trips, " + std::to_string(kPayloadTasks) + " x " +
                             grouped(payload) + " B herd::Bytes");
  Side insecure(Security::kInsecure, config), curve(Security::kCurve, config);
  measure(insecure, curve, config);

  Table& table = report.add_table({"", "insecure", "curve", "curve/insecure"});
  // CPU per unit says where encryption's time goes, whatever else runs.
  std::vector<std::string> head = {"CPU", ""};
  for (auto& column : cpu_columns()) head.push_back(std::move(column));
  head.push_back("curve/insecure");
  Table& cpu = report.add_table(std::move(head));
  auto& j = report.json();
  j["security"] = "insecure and curve";
  for (const Kind& k : kKinds) {
    const Measure &a = insecure.*k.measure, &c = curve.*k.measure;
    const double va = median(a.values), vc = median(c.values);
    table.add_row({k.label, cell(va, k.decimals), cell(vc, k.decimals), fixed(vc / va, 2)});
    const double cpu_ratio = (c.cpu.total_seconds() / static_cast<double>(c.units)) /
                             (a.cpu.total_seconds() / static_cast<double>(a.units));
    add_cpu_row(cpu, k.cpu_label, insecure, a, "");
    add_cpu_row(cpu, "", curve, c, fixed(cpu_ratio, 2));
    j["insecure"][k.json_key] = rounded(va, k.decimals);
    j["curve"][k.json_key] = rounded(vc, k.decimals);
    j["ratios"][k.json_key] = rounded(vc / va, 3);
    j["cpu_us"]["insecure"][k.cpu_key] = cpu_json(a.cpu, a.units);
    j["cpu_us"]["curve"][k.cpu_key] = cpu_json(c.cpu, c.units);
    j["cpu_ratios"][k.cpu_key] = rounded(cpu_ratio, 3);
  }
  report.note("clusters: " + insecure.cluster.describe() + ", and the same without --insecure;");
  report.note("both run at once, each measurement alternating between them; apply window " +
              grouped(config.window) + "; rounds: " + std::to_string(config.repeats()) +
              ", the median kept (round trips: the p50 of all rounds' samples)");
  j["engines"] = kEngines;
  j["count"] = count;
  j["window"] = config.window;
  j["payload_bytes"] = payload;
  j["tasks"] = kPayloadTasks;
  j["hwm"] = config.hwm;
  j["rounds"] = config.repeats();
  return report;
}

}  // namespace herd::bench
