// herd cluster host: a launcher's host supervisor. Runs --n engines for a
// controller elsewhere and restarts them by the rules of a local cluster's
// supervisor (it is the same code). The connection info arrives on standard
// input, so that it never shows on a command line (ps) or in an environment
// that ssh forwards, and is kept in this profile's engine.json (0600). The
// ranks of an mpiexec or Slurm job instead read the cluster's own
// engine.json, named by --connection-file (a shared file system, as their
// home folders are).
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <limits>

#include "cluster_runner.hpp"
#include "commands.hpp"
#include "herd/error.hpp"
#include "options.hpp"
#include "pid_files.hpp"
#include "process.hpp"
#include "program.hpp"
#include "role_options.hpp"

namespace herd::cli {

namespace {

constexpr long kMaxEngines = 4096;
constexpr std::chrono::seconds kLoadCheckBound{30};

// This process's rank in an mpiexec or Slurm job (0 outside one): it names
// the engines' log files apart.
long job_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* value = std::getenv(name)) return std::atol(value);
  return 0;
}

// Fails with the loader's own words if a library cannot be loaded here, so
// that the launcher's start reports them, where engines that died one after
// another would only leave them in this host's logs.
void check_libraries(const std::vector<std::string>& load_arguments) {
  if (load_arguments.empty()) return;
  std::vector<std::string> argv = {self_path(), "engine", "--check-load"};
  argv.insert(argv.end(), load_arguments.begin(), load_arguments.end());
  const auto r = run_program(argv, kLoadCheckBound);
  if (r.ok()) return;
  const std::string last = last_line_of(r.output);
  throw herd::Error(last.starts_with("herd: ") ? last.substr(6)
                                               : "cannot load the task libraries: " + last);
}

}  // namespace

int cmd_cluster_host(const Invocation& inv) {
  CommandLine cl(inv.command, "--n N [--load LIB.so]… [options] < engine.json", inv.summary);
  cl.options().add_options()("n", po::value<long>()->required()->value_name("N"),
                             "engines to run on this host")(
      "daemonize", po::bool_switch(),
      "run in the background; exit 0 once the engines run (what the ssh launcher does)")(
      "connection-file", po::value<std::string>()->value_name("PATH"),
      "read the connection info from this file instead of standard input")(
      "ranked", po::bool_switch(),
      "one of the ranks of an mpiexec or Slurm job: the engines' log files carry the rank");
  cl.hidden().add_options()("first-slot", po::value<long>()->default_value(0),
                            "with --ranked: the slot number of rank 0's first engine (a job "
                            "that `herd cluster engines` added numbers its log files after "
                            "the cluster's)");
  add_load_option(cl);
  if (!cl.parse(inv.args)) return 0;

  ClusterPlan plan;
  plan.profile = cl.profile();
  plan.log_level = cl.log_level();
  plan.engines = static_cast<int>(cl.integer("n", 1, kMaxEngines));
  plan.engine_options = load_arguments(cl);
  plan.host_only = true;
  plan.profile.create_dirs();
  if (cl.flag("ranked")) {
    const long first = cl.integer("first-slot", 0, kMaxEngines * kMaxEngines);
    const long rank = job_rank();
    plan.first_engine = static_cast<int>(first + rank * plan.engines);
    plan.log_name = "host-" + std::to_string(first + rank) + ".log";
  }
  // Ranks share the cluster's profile; a host supervisor has one of its own.
  const auto lock =
      cl.flag("ranked") ? std::nullopt : ClusterLock::try_acquire(plan.profile.run_dir());
  if (!cl.flag("ranked") && !lock)
    throw herd::Error("a host supervisor already runs for profile " + plan.profile.name() +
                      " on this host; stop it with: herd cluster stop --profile " +
                      plan.profile.name());
  if (cl.has("connection-file")) {
    plan.engine_file = std::filesystem::absolute(cl.text("connection-file"));
    herd::read_connection_file(plan.engine_file);  // fails now, not in every engine
  } else {
    const std::string text(std::istreambuf_iterator<char>(std::cin), {});
    herd::write_connection_file(plan.profile.engine_file(),
                                herd::parse_connection_info(text, "standard input"));
  }
  check_libraries(plan.engine_options);
  return start_cluster(plan, cl.flag("daemonize"));
}

}  // namespace herd::cli
