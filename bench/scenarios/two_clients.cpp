// two-clients: while client A has a long queue of 5 ms tasks, client B runs
// no-op tasks one at a time (issue 8). With the controller serving clients'
// queues in turn, B's task waits for about one of A's tasks per engine,
// not for A's whole queue; tasks an engine prefetched still stand in front.
#include <algorithm>
#include <thread>

#include "../bench_tasks.hpp"
#include "../local_cluster.hpp"
#include "../stats.hpp"
#include "../workloads.hpp"
#include "scenarios.hpp"

namespace herd::bench {

namespace {

constexpr int kEngines = 2;
constexpr double kBackgroundSeconds = 0.005;

// Waits until the controller holds at least `count` queued tasks.
void wait_for_backlog(Client& client, size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (client.status().queue_depth < count) {
    check(std::chrono::steady_clock::now() < deadline,
          "client A's tasks were not queued within 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

Report run_two_clients(const Config& config) {
  const size_t backlog = config.scaled(100'000), samples = config.small ? 10 : 100;
  Report report("two-clients", "client B's sequential no-ops while client A has " +
                                   grouped(backlog) + " tasks of 5 ms queued, " +
                                   std::to_string(kEngines) + " engines");
  LocalCluster cluster(kEngines, config.hwm, config.security);
  Client a(cluster.client_file()), b(cluster.client_file());
  a.wait_for_engines(kEngines, std::chrono::seconds(30));
  auto background = a.load_balanced_view({.chunksize = 1})
                        .map(builtin::sleep, std::vector<double>(backlog, kBackgroundSeconds));
  wait_for_backlog(a, backlog / 2);

  std::vector<double> waits_us;
  const auto view = b.load_balanced_view();
  for (size_t i = 0; i < samples; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const int got = view.apply(noop, static_cast<int>(i)).get(std::chrono::seconds(60));
    check(got == static_cast<int>(i),
          "noop(" + std::to_string(i) + ") returned " + std::to_string(got));
    waits_us.push_back(micros_since(t0));
  }
  const size_t left = a.status().queue_depth;
  background.abort();
  const LatencySummary s = summarize(waits_us);

  Table& table = report.add_table({"client B", "p50 ms", "p99 ms", "max ms"});
  table.add_row({"round trip", fixed(s.p50_us / 1e3, 1), fixed(s.p99_us / 1e3, 1),
                 fixed(*std::max_element(waits_us.begin(), waits_us.end()) / 1e3, 1)});
  report.note("cluster: " + cluster.describe() + "; A: map(herd::builtin::sleep, 5 ms) with " +
              "chunksize=1, " + grouped(left) + " still queued when B finished");
  auto& j = report.json();
  j["backlog"] = backlog;
  j["samples"] = samples;
  j["hwm"] = config.hwm;
  j["b_p50_ms"] = rounded(s.p50_us / 1e3, 2);
  j["b_p99_ms"] = rounded(s.p99_us / 1e3, 2);
  report.add_target({"client B p99 ms", s.p99_us / 1e3, Target::Kind::kAtMost, 50});
  return report;
}

}  // namespace herd::bench
