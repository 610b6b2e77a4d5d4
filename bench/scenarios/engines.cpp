// engines: 500 engine connections opened by this process (FakeEngines)
// register with a controller; then no-op tasks through apply() spread over
// them, against the same with 2 fake engines and the relay with 2 workers.
#include <unistd.h>

#include <thread>

#include "../baseline.hpp"
#include "../fake_engines.hpp"
#include "../local_cluster.hpp"
#include "../proc_stats.hpp"
#include "../workloads.hpp"
#include "scenarios.hpp"

namespace herd::bench {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRegistrationLimit = std::chrono::seconds(60);

struct Run {
  size_t engines = 0;
  double registration_s = 0;
  double per_s = 0;
  double controller_us = 0, bench_us = 0;  // CPU per task: controller; client + fake engines
};

// Seconds from t0 until the controller reports `count` live engines.
double wait_for_registration(Client& client, const FakeEngines& fakes, size_t count,
                             Clock::time_point t0) {
  size_t live = 0;
  while (Clock::now() - t0 < kRegistrationLimit) {
    live = client.status().live_engines();
    if (live >= count) return seconds_since(t0);
    check(fakes.error().empty(), "fake engines failed: " + fakes.error());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw BenchFailure(std::to_string(live) + " of " + std::to_string(count) +
                     " engines registered within 60 s");
}

Run run_with(size_t engines, size_t count, const Config& config) {
  LocalCluster cluster(0, config.hwm, config.security);
  Client client(cluster.client_file());
  Run run{engines, 0, 0};
  const auto t0 = Clock::now();
  FakeEngines fakes(read_connection_file(cluster.engine_file()), engines);
  run.registration_s = wait_for_registration(client, fakes, engines, t0);
  const auto lb = client.load_balanced_view();
  apply_noops(lb, std::min<size_t>(count, 1000), config.window);  // warm up
  const uint64_t done_before = fakes.tasks_done();
  CpuSplit cpu;
  cpu.add("controller", {static_cast<pid_t>(client.status().controller_pid)});
  cpu.add("bench", {::getpid()});
  cpu.start();
  run.per_s = median_of(config.repeats(), [&] {
    return static_cast<double>(count) / apply_noops(lb, count, config.window);
  });
  cpu.stop();
  const double per_task = 1e6 / static_cast<double>(count * config.repeats());
  run.controller_us = cpu.groups()[0].use.seconds * per_task;
  run.bench_us = cpu.groups()[1].use.seconds * per_task;
  const uint64_t ran = fakes.tasks_done() - done_before;
  check(ran == count * config.repeats(), "fake engines ran " + std::to_string(ran) + " tasks for " +
                                             std::to_string(count * config.repeats()) + " results");
  return run;
}

}  // namespace

Report run_engines(const Config& config) {
  const size_t many = config.small ? 20 : 500;
  const size_t count = config.scaled(100'000);
  Report report("engines", grouped(many) + " engine connections from this process, then " +
                               grouped(count) + " no-op apply() calls over them");
  const double base =
      median_relay_run({.workers = 2, .window = config.window, .count = count}, config.repeats())
          .per_second();
  const Run two = run_with(2, count, config);
  const Run lots = run_with(many, count, config);
  Table& table =
      report.add_table({"engines", "registration s", "tasks/s", "vs 2 engines", "herd/baseline",
                        "controller CPU us/task", "herd-bench CPU us/task"});
  for (const Run& r : {two, lots}) {
    table.add_row({grouped(r.engines), fixed(r.registration_s, 2),
                   grouped(static_cast<uint64_t>(r.per_s)), fixed(r.per_s / two.per_s, 2),
                   fixed(r.per_s / base, 2), fixed(r.controller_us, 1), fixed(r.bench_us, 1)});
    report.json()["runs"].push_back({{"engines", r.engines},
                                     {"registration_s", rounded(r.registration_s, 3)},
                                     {"per_s", rounded(r.per_s, 0)},
                                     {"ratio_to_baseline", rounded(r.per_s / base, 3)},
                                     {"controller_cpu_us", rounded(r.controller_us, 2)},
                                     {"bench_cpu_us", rounded(r.bench_us, 2)}});
  }
  report.note(
      "cluster: " + cluster_command("0", config.hwm, config.security) +
      ", engines connected by herd-bench (one DEALER each, one thread, so herd-bench's CPU is "
      "client and engines together); apply window " +
      grouped(config.window) + "; baseline: 2 worker processes, same window: " +
      grouped(static_cast<uint64_t>(base)) + " msgs/s");
  auto& j = report.json();
  j["count"] = count;
  j["window"] = config.window;
  j["hwm"] = config.hwm;
  j["baseline_per_s"] = rounded(base, 0);
  report.add_target(
      {grouped(many) + " engines registration s", lots.registration_s, Target::Kind::kAtMost, 10});
  report.add_target({grouped(many) + " engines tasks/s vs 2 engines", lots.per_s / two.per_s,
                     Target::Kind::kAtLeast, 0.5});
  return report;
}

}  // namespace herd::bench
