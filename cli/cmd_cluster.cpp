// herd cluster start, herd cluster engines.
#include <algorithm>
#include <optional>
#include <thread>

#include "cluster_runner.hpp"
#include "commands.hpp"
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

int live_engine_pid_files(const herd::Profile& profile) {
  const auto files = list_pid_files(profile.run_dir());
  return static_cast<int>(std::count_if(files.begin(), files.end(), [&](const PidFile& f) {
    return f.role == Role::kEngine && is_herd_process(f.pid, profile.name());
  }));
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
  plan.launcher =
      make_launcher(cl, {plan.profile, plan.log_level, plan.engine_options, plan.engines});
  if (plan.launcher) plan.engines = 0;  // the launcher's, not ours
  const ClusterLock lock = lock_profile(plan.profile);
  return start_cluster(plan, cl.flag("daemonize"));
}

int cmd_cluster_engines(const Invocation& inv) {
  CommandLine cl(inv.command, "--n N [options]", inv.summary);
  cl.options().add_options()("n", po::value<long>()->required()->value_name("N"), "engines to add");
  add_start_options(cl, 30);
  if (!cl.parse(inv.args)) return 0;

  ClusterPlan plan;
  plan.profile = cl.profile();
  plan.log_level = cl.log_level();
  plan.engines = static_cast<int>(cl.integer("n", 1, kMaxEngines));
  plan.engine_options = load_arguments(cl);
  plan.timeout = cl.seconds("timeout");
  for (const auto& file : {plan.profile.client_file(), plan.profile.engine_file()})
    if (!std::filesystem::exists(file))
      throw herd::Error("no cluster running for profile " + plan.profile.name() + " (no " +
                        file.string() + ")");
  plan.first_engine = live_engine_pid_files(plan.profile);
  return start_cluster(plan, true);
}

}  // namespace herd::cli
