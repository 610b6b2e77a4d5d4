// herd cluster stop: ends every process a `herd cluster start` or `herd
// cluster engines` of the profile started, found through the pid files.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "herd/error.hpp"
#include "launcher.hpp"
#include "logging.hpp"
#include "options.hpp"
#include "pid_files.hpp"
#include "process.hpp"

namespace herd::cli {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A supervisor that is killed leaves its children behind; they still get a
// moment to leave cleanly.
constexpr milliseconds kMinGrace{1000};
// What a launcher started elsewhere (hosts over ssh, a Slurm job) gets at
// least this long to stop.
constexpr milliseconds kMinLauncherBound{5000};

std::vector<pid_t> live_pids(const std::vector<PidFile>& files, Role role,
                             const std::string& profile) {
  std::vector<pid_t> pids;
  for (const auto& f : files)
    if (f.role == role && is_herd_process(f.pid, profile)) pids.push_back(f.pid);
  return pids;
}

}  // namespace

int cmd_cluster_stop(const Invocation& inv) {
  CommandLine cl(inv.command, "[options]", inv.summary);
  cl.options().add_options()("timeout", po::value<double>()->default_value(10)->value_name("S"),
                             "seconds a process gets to exit after SIGTERM before SIGKILL");
  if (!cl.parse(inv.args)) return 0;
  setup_logging(cl.log_level());
  const auto profile = cl.profile();
  const auto timeout = cl.seconds("timeout");
  const auto deadline = Clock::now() + timeout;

  // Stale files go at once, so they are neither counted nor signalled.
  std::vector<PidFile> files = list_pid_files(profile.run_dir());
  std::erase_if(files, [&](const PidFile& f) {
    if (is_herd_process(f.pid, profile.name())) return false;
    remove_pid_file(f.path);
    return true;
  });
  const bool launched = launch_recorded(profile);
  if (files.empty() && !launched) {
    std::cout << "no cluster running for profile " << profile.name() << std::endl;
    return 0;
  }

  // Supervisors stop their own children, in order; whatever is left after
  // that (a supervisor killed outright, or one too slow) is stopped here.
  stop_processes(live_pids(files, Role::kSupervisor, profile.name()), timeout);
  for (const Role role : {Role::kEngine, Role::kController}) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    stop_processes(live_pids(list_pid_files(profile.run_dir()), role, profile.name()),
                   std::max(left, kMinGrace));
  }

  std::vector<pid_t> survivors;
  for (const auto& f : list_pid_files(profile.run_dir())) {
    if (is_herd_process(f.pid, profile.name()))
      survivors.push_back(f.pid);
    else
      remove_pid_file(f.path);
  }
  if (!survivors.empty())
    throw herd::Error("could not stop pid " + std::to_string(survivors.front()) + " of profile " +
                      profile.name());
  // The supervisors stopped what their launchers started; what is still
  // recorded was not (a supervisor killed outright, a host unreachable).
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  const auto not_stopped = stop_recorded_launch(profile, std::max(left, kMinLauncherBound));
  if (!not_stopped.empty()) {
    std::string what;
    for (const auto& s : not_stopped) what += (what.empty() ? "" : "; ") + s;
    throw herd::Error("stopped profile=" + profile.name() + " except: " + what);
  }
  std::cout << "stopped profile=" << profile.name() << " (" << files.size() << " processes)"
            << std::endl;
  return 0;
}

}  // namespace herd::cli
