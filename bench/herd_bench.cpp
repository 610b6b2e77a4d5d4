// herd-bench: named scenarios, each printing a table and one JSON line, with
// herd's figures beside a raw-ZeroMQ baseline measured in the same run.
//   herd-bench SCENARIO|all [--small] [--count N] [--window W] [--hwm N]
//              [--repeat N] [--security curve|insecure]
// Exits 1 if a scenario's results are wrong or it fails to run; a missed
// performance target is reported but does not change the exit code.
#include <chrono>
#include <cstdio>
#include <herd/herd.hpp>
#include <stdexcept>

#include "config.hpp"
#include "machine.hpp"
#include "report.hpp"
#include "scenarios/scenarios.hpp"

namespace herd::bench {

namespace {

struct Outcome {
  std::string scenario;
  double seconds = 0;
  std::string error;  // empty when the scenario ran and its results were right
  std::vector<Target> targets;
};

Outcome run_one(const Scenario& scenario, const Config& config) {
  Outcome outcome{scenario.name, 0, "", {}};
  const auto t0 = std::chrono::steady_clock::now();
  try {
    Report report = scenario.run(config);
    // A scenario that runs both kinds of cluster says so itself.
    if (!report.json().contains("security"))
      report.json()["security"] = security_name(config.security);
    report.print();
    outcome.targets = report.targets();
  } catch (const std::exception& e) {
    outcome.error = e.what();
    std::fprintf(stderr, "herd-bench %s FAILED: %s\n", scenario.name, e.what());
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return outcome;
}

void print_summary(const std::vector<Outcome>& outcomes) {
  Report summary("all", "summary");
  Table& table =
      summary.add_table({"scenario", "seconds", "result", "target", "value", "limit", "met"});
  double total = 0;
  for (const auto& o : outcomes) {
    total += o.seconds;
    const std::string result = o.error.empty() ? "ok" : "FAILED";
    if (o.targets.empty()) table.add_row({o.scenario, fixed(o.seconds, 1), result, "", "", "", ""});
    for (size_t i = 0; i < o.targets.size(); ++i) {
      const Target& t = o.targets[i];
      table.add_row({i == 0 ? o.scenario : "", i == 0 ? fixed(o.seconds, 1) : "",
                     i == 0 ? result : "", t.name, fixed(t.value, 3),
                     (t.kind == Target::Kind::kAtMost ? "<= " : ">= ") + fixed(t.limit, 1),
                     t.met() ? "yes" : "NO"});
    }
    summary.json()["scenarios"].push_back(
        {{"scenario", o.scenario}, {"ok", o.error.empty()}, {"seconds", rounded(o.seconds, 1)}});
  }
  summary.note("total " + fixed(total, 1) + " s");
  summary.json()["seconds"] = rounded(total, 1);
  summary.print();
}

void print_machine(const char* when) {
  std::printf("herd-bench %s: %u cores, %s, load average %.2f\n", when, core_count(),
              cpu_model().c_str(), load_average());
  std::fflush(stdout);
}

int run(const Config& config) {
  print_machine("start");
  std::printf("herd-bench clusters: %s\n",
              config.security == Security::kInsecure
                  ? "--insecure, like the unencrypted relay (--security curve: CurveZMQ)"
                  : "CurveZMQ, as herd runs by default (the relay does not encrypt)");
  std::vector<Outcome> outcomes;
  for (const auto& scenario : kScenarios)
    if (config.scenario == "all" || config.scenario == scenario.name)
      outcomes.push_back(run_one(scenario, config));
  if (outcomes.empty()) throw std::invalid_argument("unknown scenario '" + config.scenario + "'");
  if (config.scenario == "all") print_summary(outcomes);
  print_machine("end");
  for (const auto& o : outcomes)
    if (!o.error.empty()) return 1;
  return 0;
}

}  // namespace
}  // namespace herd::bench

int main(int argc, char** argv) {
  try {
    return herd::bench::run(herd::bench::parse_config(argc, argv));
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "herd-bench: %s\n%s", e.what(), herd::bench::usage());
    return 2;
  }
}
