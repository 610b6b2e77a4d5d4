// payload: 20 tasks carrying 50 MB each, as herd::Bytes and as
// std::vector<double>, all submitted at once on 2 engines; the client's
// byte-counted flow control decides how many are outstanding, and the relay
// runs with that window. The controller's peak RSS shows whether payloads
// pile up in it.
#include <algorithm>

#include "../baseline.hpp"
#include "../bench_tasks.hpp"
#include "../local_cluster.hpp"
#include "../proc_stats.hpp"
#include "../workloads.hpp"
#include "scenarios.hpp"

namespace herd::bench {

namespace {

constexpr int kEngines = 2;

struct Run {
  std::string kind;
  double seconds = 0;
  uint64_t controller_peak = 0;
};

// The batch `repeat` times on a cluster of its own: the median time, and the
// controller's peak RSS over all of it.
template <class Submit>
Run run_tasks(const std::string& kind, const Config& config, size_t expected, Submit submit) {
  LocalCluster cluster(kEngines, config.hwm, config.security);
  Client client(cluster.client_file());
  client.wait_for_engines(kEngines, std::chrono::seconds(30));
  const auto lb = client.load_balanced_view();
  const pid_t controller = static_cast<pid_t>(client.status().controller_pid);
  Run run{kind, 0, 0};
  const double rate = median_of(config.repeats(), [&] {
    return 1 / time_payload_batch(lb, kPayloadTasks, kind, expected, submit);
  });
  run.seconds = 1 / rate;
  run.controller_peak = process_memory(controller).peak_bytes;
  return run;
}

}  // namespace

Report run_payload(const Config& config) {
  const size_t payload = payload_bytes(config);
  Report report("payload", std::to_string(kPayloadTasks) + " tasks of " + grouped(payload) +
                               " bytes each, all submitted at once, " + std::to_string(kEngines) +
                               " engines");
  // herd's client keeps max_bytes_in_flight of payload at the controller:
  // that many messages are the window the relay gets.
  const size_t in_flight = ClientOptions{}.max_bytes_in_flight;
  const size_t window = std::clamp<size_t>(in_flight / payload, 1, kPayloadTasks);
  const RelayRun base = median_relay_run({.workers = kEngines,
                                          .window = window,
                                          .request_bytes = payload,
                                          .count = kPayloadTasks,
                                          .warmup = 2},
                                         config.repeats());
  std::vector<Run> runs;
  const Bytes bytes(std::vector<std::byte>(payload, std::byte{7}));
  runs.push_back(run_tasks("herd::Bytes", config, payload, [&](const LoadBalancedView& lb) {
    return lb.apply(payload_size, bytes);
  }));
  const std::vector<double> doubles(payload / sizeof(double), 1.5);
  runs.push_back(
      run_tasks("std::vector<double>", config, doubles.size(),
                [&](const LoadBalancedView& lb) { return lb.apply(vector_size, doubles); }));

  const double payload_d = static_cast<double>(payload);
  const double total_mb = static_cast<double>(kPayloadTasks) * payload_d / 1e6;
  Table& table = report.add_table(
      {"", "MB/s", "seconds", "herd/baseline", "controller peak RSS MB", "peak/payload"});
  table.add_row({"baseline", fixed(base.mb_per_second(), 0), fixed(base.seconds, 2), "", "", ""});
  for (const auto& r : runs) {
    const double mb_s = total_mb / r.seconds;
    const double peak = static_cast<double>(r.controller_peak);
    table.add_row({r.kind, fixed(mb_s, 0), fixed(r.seconds, 2),
                   fixed(mb_s / base.mb_per_second(), 2), fixed(peak / 1e6, 1),
                   fixed(peak / payload_d, 2)});
    report.json()["runs"].push_back({{"kind", r.kind},
                                     {"mb_per_s", rounded(mb_s, 1)},
                                     {"ratio", rounded(mb_s / base.mb_per_second(), 3)},
                                     {"controller_peak_rss_bytes", r.controller_peak}});
    report.add_target(
        {r.kind + " MB/s herd/baseline", mb_s / base.mb_per_second(), Target::Kind::kAtLeast, 0.8});
    report.add_target(
        {r.kind + " controller peak RSS/payload", peak / payload_d, Target::Kind::kAtMost, 3});
  }
  report.note("cluster: " + cluster_command(std::to_string(kEngines), config.hwm, config.security) +
              " (one per kind); baseline: 2 workers, window " + std::to_string(window) +
              " (client max_bytes_in_flight " + grouped(in_flight) + " B / payload)" +
              ", 16 B replies");
  auto& j = report.json();
  j["payload_bytes"] = payload;
  j["tasks"] = kPayloadTasks;
  j["window"] = window;
  j["hwm"] = config.hwm;
  j["baseline_mb_per_s"] = rounded(base.mb_per_second(), 1);
  return report;
}

}  // namespace herd::bench
