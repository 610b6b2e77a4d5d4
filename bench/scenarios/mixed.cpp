// mixed: a few long tasks shuffled among many short ones, all submitted at
// once on 2 engines (issue 8). The makespan is compared with its lower bound,
// max(longest task, total work / engines): a scheduler that lets a long task
// hold prefetched short ones hostage, or leaves an engine idle while the
// other has a backlog, shows here. No relay: the bound is the baseline.
#include <algorithm>
#include <random>

#include "../local_cluster.hpp"
#include "../stats.hpp"
#include "../workloads.hpp"
#include "scenarios.hpp"

namespace herd::bench {

namespace {

constexpr int kEngines = 2;
constexpr double kLongSeconds = 0.25, kShortSeconds = 0.001;

// The tasks' durations, long ones shuffled among the short (fixed seed).
std::vector<double> mixed_durations(size_t longs, size_t shorts) {
  std::vector<double> durations(longs, kLongSeconds);
  durations.insert(durations.end(), shorts, kShortSeconds);
  std::mt19937 random(42);
  std::shuffle(durations.begin(), durations.end(), random);
  return durations;
}

double makespan(const LoadBalancedView& view, const std::vector<double>& durations) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<AsyncResult<void>> results;
  results.reserve(durations.size());
  for (double d : durations) results.push_back(view.apply(builtin::sleep, d));
  for (const auto& r : results) r.get(result_timeout(durations.size() * 10));
  return seconds_since(t0);
}

}  // namespace

Report run_mixed(const Config& config) {
  const size_t shorts = config.scaled(1000), longs = config.small ? 2 : 8;
  const std::vector<double> durations = mixed_durations(longs, shorts);
  double work = 0;
  for (double d : durations) work += d;
  const double bound = std::max(kLongSeconds, work / kEngines);
  Report report("mixed", std::to_string(longs) + " tasks of 250 ms shuffled among " +
                             grouped(shorts) + " of 1 ms, submitted at once, " +
                             std::to_string(kEngines) + " engines");
  LocalCluster cluster(kEngines, config.hwm, config.security);
  Client client(cluster.client_file());
  client.wait_for_engines(kEngines, std::chrono::seconds(30));
  const auto view = client.load_balanced_view();
  std::vector<double> runs;
  for (size_t i = 0; i < config.repeats(); ++i) runs.push_back(makespan(view, durations));
  const double span = median(runs);

  Table& table = report.add_table({"", "seconds"});
  table.add_row({"lower bound max(longest, work/engines)", fixed(bound, 3)});
  for (size_t i = 0; i < runs.size(); ++i)
    table.add_row({"makespan, run " + std::to_string(i + 1), fixed(runs[i], 3)});
  table.add_row({"makespan/bound (median)", fixed(span / bound, 2)});
  report.note("cluster: " + cluster.describe() + "; tasks: herd::builtin::sleep, seed 42");
  auto& j = report.json();
  j["longs"] = longs;
  j["shorts"] = shorts;
  j["hwm"] = config.hwm;
  j["bound_s"] = rounded(bound, 3);
  j["makespan_s"] = rounded(span, 3);
  j["ratio"] = rounded(span / bound, 3);
  report.add_target({"makespan/bound", span / bound, Target::Kind::kAtMost, 1.1});
  return report;
}

}  // namespace herd::bench
