#include "cluster_runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>

#include "death_notice.hpp"
#include "herd/client.hpp"
#include "herd/error.hpp"
#include "logging.hpp"
#include "options.hpp"
#include "process.hpp"
#include "signals.hpp"
#include "supervisor.hpp"

namespace herd::cli {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFilePoll{50};
constexpr milliseconds kStatusPoll{100};
// The longest the supervisor sleeps between looks at its children and the
// stop flag; a child's exit wakes it at once.
constexpr milliseconds kSupervisePoll{100};
constexpr milliseconds kMaxStatusWait{1000};
// A controller silent this long fails the pending status request early.
constexpr milliseconds kClientSilence{3000};
// The most a failed start spends stopping what it started.
constexpr milliseconds kMaxCleanup{3000};
// Time for killed processes to be gone and for the report to reach the user.
constexpr milliseconds kExitSlack{200};
// How much longer than --timeout a daemon's parent waits for the report.
constexpr milliseconds kReportMargin{10'000};

class StartupFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws if we were told to stop or a child died before the cluster was ready.
void check_children(Supervisor& supervisor, const std::atomic<bool>& stop) {
  if (stop) throw StartupFailure("interrupted before the cluster was ready");
  for (const auto& exit : supervisor.reap()) {
    // Its own words first: "see the log" alone sent every user to the file.
    const auto log = supervisor.log_file(exit.slot);
    const std::string error = last_error(log, exit.slot.log_start);
    throw StartupFailure(fmt::format("the {} (pid {}) {} before the cluster was ready{}; see {}",
                                     Supervisor::name(exit.slot), exit.slot.pid,
                                     describe_exit(exit.wait_status),
                                     error.empty() ? "" : ": " + error, log.string()));
  }
}

bool written_by(const std::filesystem::path& file, pid_t pid) {
  try {
    return read_connection_file(file).controller_pid == pid;
  } catch (const herd::Error&) {
    return false;  // not written yet
  }
}

// Waits for the controller `pid` to bind: it then writes client.json and
// engine.json with its pid.
void wait_for_controller(Supervisor& supervisor, const ClusterPlan& plan, pid_t pid,
                         Clock::time_point deadline, const std::atomic<bool>& stop) {
  for (;;) {
    check_children(supervisor, stop);
    if (written_by(plan.profile.client_file(), pid) &&
        written_by(plan.profile.engine_file(), pid) &&
        written_by(plan.profile.supervisor_file(), pid))
      return;
    if (Clock::now() >= deadline)
      throw StartupFailure(fmt::format(
          "cluster did not start within {}: the controller did not write its connection files "
          "in {}; see {}",
          seconds_text(plan.timeout), plan.profile.security_dir().string(),
          plan.profile.log_dir().string()));
    std::this_thread::sleep_for(kFilePoll);
  }
}

template <class T>
bool contains(const std::vector<T>& items, const T& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// The live engines of the running cluster a launcher of `cluster engines`
// is about to add to: they are not the ones it starts.
std::vector<uint32_t> live_engine_ids(const ClusterPlan& plan) {
  herd::Client client(plan.profile.supervisor_file(), {.connection_timeout = kClientSilence});
  std::vector<uint32_t> ids;
  for (const auto& e : client.status(kMaxStatusWait).engines)
    if (e.state != "lost") ids.push_back(e.id);
  return ids;
}

// Waits until every engine we started is registered, and as many more as
// the launcher started (live engines that are neither ours nor among
// `before`); returns how many live engines the controller has in all, or
// nullopt when time ran out while the launcher's engines wait their turn
// (a pending Slurm job).
std::optional<size_t> wait_for_engines(Supervisor& supervisor, const ClusterPlan& plan,
                                       const std::vector<uint32_t>& before,
                                       Clock::time_point deadline, const std::atomic<bool>& stop) {
  // The supervisor's key may ask for status but not submit.
  herd::Client client(plan.profile.supervisor_file(), {.connection_timeout = kClientSilence});
  const auto ours = supervisor.engine_pids();
  const size_t launched = plan.launcher ? static_cast<size_t>(plan.launcher->engines()) : 0;
  size_t count = 0;
  for (;;) {
    check_children(supervisor, stop);
    if (plan.launcher)
      if (const auto trouble = plan.launcher->trouble(); !trouble.empty())
        throw StartupFailure(trouble);
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() > 0) {
      try {
        const auto status = client.status(std::min(left, kMaxStatusWait));
        size_t others = 0;
        count = 0;
        for (const auto& e : status.engines) {
          if (e.state == "lost") continue;
          if (contains(ours, static_cast<pid_t>(e.pid)))
            ++count;
          else if (!contains(before, e.id))
            ++others;
        }
        if (count == ours.size() && others >= launched) return status.live_engines();
        count += std::min(others, launched);
      } catch (const herd::TimeoutError&) {
      } catch (const herd::ConnectionError&) {
      }
    }
    if (Clock::now() >= deadline) {
      if (plan.launcher && !plan.launcher->pending().empty()) return std::nullopt;
      throw StartupFailure(
          fmt::format("{} did not start within {}: {} of {} engines registered; see {}",
                      plan.controller ? "cluster" : "engines", seconds_text(plan.timeout), count,
                      ours.size() + launched, plan.profile.log_dir().string()));
    }
    std::this_thread::sleep_for(kStatusPoll);
  }
}

void report_exit(const Supervisor::Exit& exit) {
  const std::string name = Supervisor::name(exit.slot);
  switch (exit.ending()) {
    case Supervisor::Ending::kRefused:
      spdlog::error(
          "{} (pid {}) was refused by the controller (its key or protocol version; see "
          "its log) and is not restarted",
          name, exit.slot.pid);
      break;
    case Supervisor::Ending::kRecycled:
      spdlog::info("{} (pid {}) was recycled by the controller", name, exit.slot.pid);
      break;
    case Supervisor::Ending::kRetired:
      spdlog::info("{} (pid {}) retired", name, exit.slot.pid);
      break;
    case Supervisor::Ending::kStopped:
      spdlog::info("{} (pid {}) stopped", name, exit.slot.pid);
      break;
    case Supervisor::Ending::kCrashed:
      spdlog::warn("{} (pid {}) died: {}", name, exit.slot.pid, exit.cause());
      break;
  }
}

// Watches the children, telling the controller at once of engines that die
// and restarting them (the controller too, on the same ports and keys), and
// returns the exit code once told to stop or once there is nothing left to
// watch.
int supervise(Supervisor& supervisor, DeathNotice* notice, Launcher* launcher,
              const std::atomic<bool>& stop) {
  watch_children();
  while (!stop) {
    if (launcher)
      if (const auto trouble = launcher->trouble(); !trouble.empty()) spdlog::error("{}", trouble);
    for (const auto& exit : supervisor.reap()) {
      if (notice && exit.slot.role == Role::kEngine && exit.died())
        notice->send(exit.slot.pid, exit.cause());
      report_exit(exit);
      const auto delay = supervisor.schedule_restart(exit);
      if (delay) {
        spdlog::info("restarting {} in {}", Supervisor::name(exit.slot), seconds_text(*delay));
      } else if (exit.slot.role == Role::kController) {
        // Stopped on purpose, or crashing again and again: nothing to serve.
        spdlog::error("the controller is gone for good: stopping the cluster");
        return 1;
      } else if (exit.ending() != Supervisor::Ending::kRetired) {  // leaving was the point
        spdlog::warn("{} stays down", Supervisor::name(exit.slot));
      }
    }
    supervisor.restart_due();
    // What a launcher started runs elsewhere: until told to stop, its
    // supervisor stays to stop it (one that `cluster engines` started has
    // no process of its own).
    if (!supervisor.any_running() && !launcher) {
      spdlog::info("every process of this supervisor has exited");
      return 0;
    }
    wait_for_child(kSupervisePoll);
  }
  spdlog::info("stopping on signal");
  return 0;
}

// A host supervisor knows its engines run, not that they registered.
std::string host_ready_line(const ClusterPlan& plan) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("ready host={} profile={} engines={}", host, plan.profile.name(),
                     plan.engines);
}

void stop_launched(const ClusterPlan& plan, milliseconds bound) {
  if (!plan.launcher) return;
  for (const auto& left : plan.launcher->stop(bound)) spdlog::error("could not stop {}", left);
}

std::string ready_line(const ClusterPlan& plan, size_t live) {
  std::string line = fmt::format("ready profile={} engines={}", plan.profile.name(), live);
  if (plan.controller) line += " client=" + plan.profile.client_file().string();
  if (!read_connection_file(plan.profile.supervisor_file()).curve.enabled()) line += " insecure";
  return line;
}

// Starts the plan, reports ready and supervises; returns the exit code. On
// failure, stops what it started within `cleanup` and throws.
int supervise_plan(const ClusterPlan& plan, StartupReport& report, const std::atomic<bool>& stop,
                   Clock::time_point deadline, milliseconds cleanup) {
  Supervisor supervisor(plan.profile, plan.log_level);
  try {
    if (plan.controller) {
      const pid_t pid = supervisor.start_controller(*plan.controller);
      wait_for_controller(supervisor, plan, pid, deadline, stop);
    }
    const auto engine_file =
        plan.engine_file.empty() ? plan.profile.engine_file() : plan.engine_file;
    std::vector<std::string> engine_options = {"--file", engine_file.string()};
    engine_options.insert(engine_options.end(), plan.engine_options.begin(),
                          plan.engine_options.end());
    std::vector<uint32_t> before;
    for (int i = 0; i < plan.engines; ++i) {
      supervisor.start_engine(plan.first_engine + i, engine_options);
      if (!plan.after_engine) continue;
      wait_for_engines(supervisor, plan, before, deadline, stop);  // one at a time
      plan.after_engine(i);
    }
    if (plan.launcher) {
      if (!plan.controller) before = live_engine_ids(plan);
      plan.launcher->start();
    }
    if (plan.host_only) {
      report.ready(host_ready_line(plan));
    } else {
      const auto live = wait_for_engines(supervisor, plan, before, deadline, stop);
      report.ready(live ? ready_line(plan, *live) : plan.launcher->pending());
    }
  } catch (...) {
    supervisor.stop_all(cleanup);
    stop_launched(plan, cleanup);
    throw;
  }
  // After the fork of a daemon and after the startup's client is gone.
  std::optional<DeathNotice> notice;
  // A host supervisor has the key only where it shares the cluster's
  // profile (an mpiexec or Slurm rank on a shared home folder).
  if (!plan.host_only || std::filesystem::exists(plan.profile.supervisor_file())) {
    notice.emplace(plan.profile.supervisor_file());
    notice->connect();
  }
  const int code = supervise(supervisor, notice ? &*notice : nullptr, plan.launcher.get(), stop);
  supervisor.stop_all(kStopGrace);
  stop_launched(plan, kStopGrace);
  return code;
}

}  // namespace

int run_cluster(const ClusterPlan& plan, StartupReport& report) {
  const auto& stop = stop_on_signals();
  // Keep time to stop what was started, so a failure ends within the timeout.
  const milliseconds cleanup = std::min(kMaxCleanup, plan.timeout / 5);
  const auto deadline = Clock::now() + plan.timeout - cleanup - kExitSlack;
  try {
    return supervise_plan(plan, report, stop, deadline, cleanup);
  } catch (const std::exception& e) {
    report.failed(e.what());
    return 1;
  }
}

int start_cluster(const ClusterPlan& plan, bool daemonize) {
  plan.profile.create_dirs();
  const auto log = plan.profile.log_dir() / plan.log_name;
  StartupReport report;
  if (daemonize) {
    if (const auto code = cli::daemonize(log, plan.timeout + kReportMargin, report)) return *code;
  }
  // A daemon's stderr already goes to the log.
  setup_logging(plan.log_level, daemonize ? std::filesystem::path() : log);
  return run_cluster(plan, report);
}

}  // namespace herd::cli
