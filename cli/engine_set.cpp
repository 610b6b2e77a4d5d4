#include "engine_set.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "cluster_options.hpp"
#include "controller_link.hpp"
#include "herd/client.hpp"
#include "herd/error.hpp"
#include "logging.hpp"
#include "pid_files.hpp"
#include "process.hpp"
#include "role_options.hpp"

namespace herd::cli {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStatusPoll{100};
constexpr milliseconds kMaxStatusWait{1000};
constexpr milliseconds kAnnounceWait{2000};
constexpr milliseconds kMaxAnswerWait{5000};

// The slot number of the next engine (names its log file): after those of
// the profile's engines that run now.
int next_engine_slot(const herd::Profile& profile) {
  const auto files = list_pid_files(profile.run_dir());
  return static_cast<int>(std::count_if(files.begin(), files.end(), [&](const PidFile& f) {
    return f.role == Role::kEngine && is_herd_process(f.pid, profile.name());
  }));
}

// Best effort: a controller that cannot be told fails the start anyway.
void announce_engines_coming(const herd::Profile& profile, milliseconds hold) {
  try {
    ControllerLink link(profile.supervisor_file());
    wire::Header request;
    request.set_type(wire::ENGINES_COMING);
    request.set_hold_unknown_ms(static_cast<uint64_t>(hold.count()));
    link.request(request, kAnnounceWait);
  } catch (const std::exception& e) {
    spdlog::debug("could not tell the controller that engines are coming: {}", e.what());
  }
}

herd::ClusterStatus status_of(herd::Client& client, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return client.status(std::clamp(left, milliseconds(1), kMaxStatusWait));
}

}  // namespace

ClusterPlan joining_plan(const CommandLine& cl, int engines) {
  ClusterPlan plan;
  plan.profile = cl.profile();
  for (const auto& file : {plan.profile.client_file(), plan.profile.engine_file()})
    if (!std::filesystem::exists(file))
      throw herd::Error("no cluster running for profile " + plan.profile.name() + " (no " +
                        file.string() + ")");
  const auto kept = read_cluster_options(plan.profile);
  plan.log_level = kept && cl.defaulted("log-level") ? kept->log_level : cl.log_level();
  plan.engines = engines;
  plan.engine_options = load_arguments(cl);
  if (plan.engine_options.empty() && kept)
    for (const auto& lib : kept->load)
      plan.engine_options.insert(plan.engine_options.end(), {"--load", lib});
  plan.timeout = cl.seconds("timeout");
  plan.first_engine = next_engine_slot(plan.profile);
  return plan;
}

LaunchContext launch_context(const ClusterPlan& plan) {
  LaunchContext context;
  context.profile = plan.profile;
  context.log_level = plan.log_level;
  context.load_arguments = plan.engine_options;
  context.engines = plan.engines;
  context.first_slot = plan.first_engine;
  return context;
}

void use_cluster_launcher(ClusterPlan& plan) {
  const auto kept = read_cluster_options(plan.profile);
  if (!kept || kept->launcher == "local") return;
  plan.launcher = make_joining_launcher(kept->launcher_args, launch_context(plan));
  plan.engines = 0;  // the launcher's, not ours
}

int start_joining(const ClusterPlan& plan) {
  // Every start in progress holds this lock shared; the last to finish
  // (the one that gets it exclusively) ends the controller's hold, under
  // the lock, so that no start that begins meanwhile loses its hold. A
  // record lock (fcntl), not flock: it belongs to this process only, so the
  // supervisor daemon forked meanwhile does not keep holding it.
  const auto lock_path = plan.profile.run_dir() / "engines-coming.lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0)
    throw std::runtime_error("cannot open " + lock_path.string() + ": " + std::strerror(errno));
  const auto set_lock = [lock](short type, int command) {
    struct flock whole {};
    whole.l_type = type;
    whole.l_whence = SEEK_SET;
    return ::fcntl(lock, command, &whole) == 0;
  };
  set_lock(F_RDLCK, F_SETLKW);
  announce_engines_coming(plan.profile, plan.timeout);
  const int code = start_cluster(plan, true);
  set_lock(F_UNLCK, F_SETLK);
  if (set_lock(F_WRLCK, F_SETLK)) announce_engines_coming(plan.profile, milliseconds(0));
  ::close(lock);
  return code;
}

int retire_engines(const CommandLine& cl, uint32_t count) {
  setup_logging(cl.log_level());
  std::vector<uint32_t> ids;
  for (const auto& word : cl.strings("remove")) {
    size_t end = 0;
    unsigned long id = 0;
    try {
      id = std::stoul(word, &end);
    } catch (const std::exception&) {
      end = 0;
    }
    if (end != word.size() || id == 0 || id > UINT32_MAX)
      cl.fail("--remove takes engine ids (see herd status), not '" + word + "'");
    ids.push_back(static_cast<uint32_t>(id));
  }
  const auto profile = cl.profile();
  if (!std::filesystem::exists(profile.supervisor_file()))
    throw herd::Error("no cluster running for profile " + profile.name() + " (no " +
                      profile.supervisor_file().string() + ")");
  const auto timeout = cl.seconds("timeout");
  const auto deadline = Clock::now() + timeout;
  const auto chosen = request_retirement(profile, ids, count, std::min(timeout, kMaxAnswerWait));
  std::string list;
  for (uint32_t id : chosen) list += " " + std::to_string(id);
  fmt::print("retiring engine{}{}: each finishes its running task, then leaves\n",
             chosen.size() == 1 ? "" : "s", list);
  std::fflush(stdout);
  const auto left = wait_until_retired(profile, chosen, deadline);
  for (uint32_t id : chosen) {
    if (std::find(left.begin(), left.end(), id) == left.end())
      fmt::print("retired engine {}\n", id);
    else
      fmt::print("engine {} is still running its task after {}; it leaves once that is done\n", id,
                 seconds_text(timeout));
  }
  return 0;
}

std::vector<uint32_t> request_retirement(const herd::Profile& profile,
                                         const std::vector<uint32_t>& ids, uint32_t count,
                                         milliseconds timeout) {
  ControllerLink link(profile.supervisor_file());
  wire::Header request;
  request.set_type(wire::RETIRE);
  for (uint32_t id : ids) request.add_engine_ids(id);
  request.set_retire_count(count);
  const wire::Header answer = link.request(request, timeout);
  return {answer.engine_ids().begin(), answer.engine_ids().end()};
}

std::vector<uint32_t> wait_until_retired(const herd::Profile& profile, std::vector<uint32_t> ids,
                                         Clock::time_point deadline) {
  herd::Client client(profile.supervisor_file());
  for (;;) {
    try {
      const auto status = status_of(client, deadline);
      std::erase_if(ids, [&](uint32_t id) {
        return std::none_of(status.engines.begin(), status.engines.end(),
                            [&](const auto& e) { return e.id == id && e.state != "lost"; });
      });
    } catch (const herd::TimeoutError&) {
    } catch (const herd::ConnectionError&) {
    }
    if (ids.empty() || Clock::now() >= deadline) return ids;
    std::this_thread::sleep_for(kStatusPoll);
  }
}

std::vector<uint32_t> serving_engines(const herd::Profile& profile, milliseconds timeout) {
  herd::Client client(profile.supervisor_file());
  std::vector<uint32_t> ids;
  for (const auto& e : client.status(timeout).engines)
    if (e.state != "lost" && e.state != "retiring") ids.push_back(e.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace herd::cli
