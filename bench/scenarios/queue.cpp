// queue: a million no-op tasks (map with one task per item) submitted while
// no engine is connected; the controller's RSS before and after gives its
// memory per queued task. Then 2 engines join and drain the queue, beside
// the relay moving as many messages with 2 workers, all outstanding.
#include <algorithm>
#include <future>
#include <numeric>
#include <thread>

#include "../baseline.hpp"
#include "../bench_tasks.hpp"
#include "../local_cluster.hpp"
#include "../proc_stats.hpp"
#include "../workloads.hpp"
#include "scenarios.hpp"

namespace herd::bench {

namespace {

constexpr int kEngines = 2;
using Clock = std::chrono::steady_clock;

// Waits until the controller holds `count` queued tasks.
void wait_for_queue(Client& client, size_t count) {
  const auto deadline = Clock::now() + result_timeout(count);
  size_t depth = 0;
  while (Clock::now() < deadline) {
    depth = client.status().queue_depth;
    if (depth >= count) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw BenchFailure("the controller queued " + std::to_string(depth) + " of " +
                     std::to_string(count) + " tasks in time");
}

}  // namespace

Report run_queue(const Config& config) {
  const size_t count = config.scaled(1'000'000);
  Report report("queue", grouped(count) + " no-op tasks queued with no engine, then drained by " +
                             std::to_string(kEngines) + " engines");
  const double base =
      median_relay_run({.workers = kEngines, .window = count, .count = count}, config.repeats())
          .per_second();
  LocalCluster cluster(0, config.hwm, config.security);
  Client client(cluster.client_file());
  const pid_t controller = static_cast<pid_t>(client.status().controller_pid);
  const uint64_t before = process_memory(controller).rss_bytes;

  std::vector<int> inputs(count);
  std::iota(inputs.begin(), inputs.end(), 0);
  const auto t_submit = Clock::now();
  const auto m = client.load_balanced_view({.chunksize = 1}).map(noop, inputs);
  wait_for_queue(client, count);
  const double submit_s = seconds_since(t_submit);
  const uint64_t after = process_memory(controller).rss_bytes;
  const double per_task =
      (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(count);

  // The first result may come before `herd cluster engines` returns: a
  // thread of its own notes when.
  auto first_result = std::async(std::launch::async, [&m, count] {
    check(m[0].wait(result_timeout(count)), "the first queued task did not finish in time");
    return Clock::now();
  });
  const auto t_engines = Clock::now();
  cluster.add_engines(kEngines);
  const std::vector<int> results = m.get(result_timeout(count));
  const auto t_first = first_result.get();
  const double drain_s = seconds_since(t_first), total_s = seconds_since(t_engines);
  for (size_t i = 0; i < count; ++i)
    check(results[i] == inputs[i],
          "queued task " + std::to_string(i) + " returned " + std::to_string(results[i]));
  const auto status = client.status();
  check(status.tasks_failed == 0, std::to_string(status.tasks_failed) + " queued tasks failed");
  const uint64_t peak = process_memory(controller).peak_bytes;
  uint64_t engine_rss = 0;  // an engine should not grow with the tasks it ran
  for (const auto& e : status.engines)
    if (e.state != "lost")
      engine_rss = std::max(engine_rss, process_memory(static_cast<pid_t>(e.pid)).rss_bytes);

  const double drain = static_cast<double>(count) / drain_s;
  Table& table = report.add_table({"", "value"});
  table.add_row({"controller RSS before, MB", fixed(static_cast<double>(before) / 1e6, 1)});
  table.add_row({"controller RSS queued, MB", fixed(static_cast<double>(after) / 1e6, 1)});
  table.add_row({"controller peak RSS, MB", fixed(static_cast<double>(peak) / 1e6, 1)});
  table.add_row({"bytes per queued task", fixed(per_task, 0)});
  table.add_row({"engine RSS after the drain (largest), MB",
                 fixed(static_cast<double>(engine_rss) / 1e6, 1)});
  table.add_row({"submit until all queued, s", fixed(submit_s, 2)});
  table.add_row({"drain (first to last result), s", fixed(drain_s, 2)});
  table.add_row({"drain incl. engine start, s", fixed(total_s, 2)});
  table.add_row({"drain rate, tasks/s", grouped(static_cast<uint64_t>(drain))});
  table.add_row(
      {"baseline msgs/s (2 workers, all outstanding)", grouped(static_cast<uint64_t>(base))});
  table.add_row({"drain rate herd/baseline", fixed(drain / base, 2)});
  report.note("cluster: " + cluster_command("0", config.hwm, config.security) +
              ", then herd cluster engines --n 2; tasks: map(noop) with chunksize=1");
  report.note("all " + grouped(count) + " queued tasks succeeded, in input order");
  auto& j = report.json();
  j["count"] = count;
  j["hwm"] = config.hwm;
  j["controller_rss_before_bytes"] = before;
  j["controller_rss_queued_bytes"] = after;
  j["bytes_per_queued_task"] = rounded(per_task, 1);
  j["engine_rss_after_bytes"] = engine_rss;
  j["drain_per_s"] = rounded(drain, 0);
  j["baseline_per_s"] = rounded(base, 0);
  j["drain_ratio"] = rounded(drain / base, 3);
  report.add_target({"controller bytes per queued task", per_task, Target::Kind::kAtMost, 512});
  return report;
}

}  // namespace herd::bench
