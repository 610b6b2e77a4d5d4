// herd cluster start, herd cluster engines.
#include <algorithm>
#include <optional>
#include <thread>

#include "cluster_options.hpp"
#include "cluster_runner.hpp"
#include "commands.hpp"
#include "engine_set.hpp"
#include "herd/error.hpp"
#include "launcher.hpp"
#include "options.hpp"
#include "pid_files.hpp"
#include "process.hpp"
#include "role_options.hpp"

namespace herd::cli {

namespace {

constexpr long kMaxEngines = 4096;

void add_start_options(CommandLine& cl, double timeout_seconds) {
  cl.options().add_options()(
      "timeout", po::value<double>()->default_value(timeout_seconds)->value_name("S"),
      "give up, stopping everything, if the engines have not registered within S seconds");
  add_load_option(cl);
}

// Refuses to start a second cluster on a profile; forgets pid files of
// processes that are gone. The lock returned must live as long as the
// supervisor.
ClusterLock lock_profile(const herd::Profile& profile) {
  profile.create_dirs();
  auto lock = ClusterLock::try_acquire(profile.run_dir());
  std::optional<pid_t> running;
  for (const auto& file : list_pid_files(profile.run_dir())) {
    if (!is_herd_process(file.pid, profile.name()))
      remove_pid_file(file.path);
    else if (file.role != Role::kEngine && !running)
      running = file.pid;
  }
  if (lock && !running) return std::move(*lock);
  throw herd::Error("a cluster is already running for profile " + profile.name() +
                    (running ? " (pid " + std::to_string(*running) + ")" : std::string()) +
                    "; stop it with: herd cluster stop --profile " + profile.name());
}

}  // namespace

int cmd_cluster_start(const Invocation& inv) {
  CommandLine cl(inv.command, "[options]", inv.summary);
  const long cores = std::max(1U, std::thread::hardware_concurrency());
  cl.options().add_options()("n", po::value<long>()->default_value(cores)->value_name("N"),
                             "engines to start (default: the number of cores)")(
      "daemonize", po::bool_switch(), "run in the background; exit 0 once the engines registered");
  add_start_options(cl, 30);
  add_controller_options(cl);
  add_launcher_options(cl);
  if (!cl.parse(inv.args)) return 0;

  ClusterPlan plan;
  plan.profile = cl.profile();
  plan.log_level = cl.log_level();
  plan.controller = controller_arguments(controller_options(cl));
  plan.engines = static_cast<int>(cl.integer("n", 0, kMaxEngines));
  plan.engine_options = load_arguments(cl);
  plan.timeout = cl.seconds("timeout");
  plan.launcher = make_launcher(cl, launch_context(plan));
  if (plan.launcher) plan.engines = 0;  // the launcher's, not ours
  const ClusterLock lock = lock_profile(plan.profile);
  keep_cluster_options(cl, plan);
  return start_cluster(plan, cl.flag("daemonize"));
}

int cmd_cluster_engines(const Invocation& inv) {
  CommandLine cl(inv.command, "--n N | --n -K | --remove ID… [options]", inv.summary);
  cl.options().add_options()(
      "n", po::value<long>()->value_name("N"),
      "engines to add, started with the cluster's own options (its --load list) and launcher "
      "(ssh: spread over its hosts in turn; mpi, slurm: a new job of N); -K retires the K least "
      "busy engines")(
      "remove", po::value<std::vector<std::string>>()->multitoken()->value_name("ID..."),
      "retire these engines: each finishes its running task, hands back what it holds, and exits "
      "for good");
  add_start_options(cl, 30);
  if (!cl.parse(inv.args)) return 0;
  if (cl.has("n") == cl.has("remove")) cl.fail("give either --n N or --remove ID…");
  const long n = cl.has("n") ? cl.integer("n", -kMaxEngines, kMaxEngines) : 0;
  if (cl.has("n") && n == 0) cl.fail("--n must not be 0");
  if (n > 0) {
    ClusterPlan plan = joining_plan(cl, static_cast<int>(n));
    use_cluster_launcher(plan);
    return start_joining(plan);
  }
  return retire_engines(cl, static_cast<uint32_t>(-n));
}

}  // namespace herd::cli
