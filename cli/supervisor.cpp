#include "supervisor.hpp"

#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "engine/engine.hpp"
#include "process.hpp"

namespace herd::cli {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

// An engine that dies sooner than this after its start failed "quickly";
// those in a row slow down its restarts, and too many give it up.
constexpr milliseconds kQuickFailure{10'000};
constexpr unsigned kMaxQuickFailures = 5;
constexpr milliseconds kFirstBackoff{500};
constexpr milliseconds kMaxBackoff{10'000};
// Engine exit codes that mean "do not start me again".
constexpr int kCleanExit = 0;
constexpr int kRefusedExit = herd::engine::kRefusedExitCode;

}  // namespace

bool Supervisor::Exit::died() const {
  if (!WIFEXITED(wait_status)) return true;
  const int code = WEXITSTATUS(wait_status);
  return code != kCleanExit && code != kRefusedExit;
}

bool Supervisor::Exit::recycled() const {
  return slot.role == Role::kEngine && WIFEXITED(wait_status) &&
         WEXITSTATUS(wait_status) == herd::engine::kRecycledExitCode;
}

bool Supervisor::Exit::refused() const {
  return slot.role == Role::kEngine && WIFEXITED(wait_status) &&
         WEXITSTATUS(wait_status) == kRefusedExit;
}

Supervisor::Supervisor(herd::Profile profile, std::string log_level)
    : profile_(std::move(profile)), log_level_(std::move(log_level)) {
  profile_.create_dirs();
  own_pid_file_ = pid_file_path(profile_.run_dir(), Role::kSupervisor, ::getpid());
  write_pid_file(own_pid_file_, ::getpid());
}

Supervisor::~Supervisor() {
  try {
    stop_all(kStopGrace);
  } catch (const std::exception& e) {
    spdlog::error("stopping the cluster: {}", e.what());
  }
  remove_pid_file(own_pid_file_);
}

pid_t Supervisor::start_controller(std::vector<std::string> options) {
  slots_.push_back({Role::kController, 0, std::move(options)});
  return launch(slots_.back());
}

pid_t Supervisor::start_engine(int index, std::vector<std::string> options) {
  slots_.push_back({Role::kEngine, index, std::move(options)});
  return launch(slots_.back());
}

std::string Supervisor::name(const Slot& slot) {
  if (slot.role == Role::kEngine) return "engine " + std::to_string(slot.index);
  return role_name(slot.role);
}

fs::path Supervisor::log_file(const Slot& slot) const {
  if (slot.role == Role::kEngine)
    return profile_.log_dir() / ("engine-" + std::to_string(slot.index) + ".log");
  return profile_.log_dir() / "controller.log";
}

pid_t Supervisor::launch(Slot& slot) {
  std::vector<std::string> args = {
      "herd",     role_name(slot.role), "--profile", profile_.name(),           "--log-level",
      log_level_, "--no-log-file",      "--parent",  std::to_string(::getpid())};
  if (slot.role == Role::kEngine) {
    args.push_back("--restarts");
    args.push_back(std::to_string(slot.restarts));
  }
  args.insert(args.end(), slot.options.begin(), slot.options.end());
  slot.pid = spawn_self(args, log_file(slot));
  slot.started = Clock::now();
  write_pid_file(pid_file_path(profile_.run_dir(), slot.role, slot.pid), slot.pid);
  spdlog::info("started {} (pid {}, restarts {}), log {}", name(slot), slot.pid, slot.restarts,
               log_file(slot).string());
  return slot.pid;
}

std::vector<Supervisor::Exit> Supervisor::reap() {
  std::vector<Exit> exits;
  for (size_t id = 0; id < slots_.size(); ++id) {
    Slot& slot = slots_[id];
    if (slot.pid == 0) continue;
    const auto status = try_reap(slot.pid);
    if (!status) continue;
    remove_pid_file(pid_file_path(profile_.run_dir(), slot.role, slot.pid));
    exits.push_back({id, slot, *status});
    slot.pid = 0;
  }
  return exits;
}

std::optional<milliseconds> Supervisor::schedule_restart(const Exit& exit) {
  Slot& slot = slots_.at(exit.slot_id);
  if (slot.role != Role::kEngine || slot.pid != 0 || !exit.died()) return std::nullopt;
  const auto now = Clock::now();
  if (exit.recycled()) {
    slot.restart_at = now;
    return milliseconds(0);
  }
  slot.quick_failures = now - slot.started < kQuickFailure ? slot.quick_failures + 1 : 0;
  if (slot.quick_failures > kMaxQuickFailures) return std::nullopt;
  // The first death restarts at once; a crash loop backs off.
  const milliseconds delay =
      slot.quick_failures <= 1
          ? milliseconds(0)
          : std::min(kMaxBackoff, kFirstBackoff * (1 << (slot.quick_failures - 2)));
  slot.restart_at = now + delay;
  return delay;
}

void Supervisor::restart_due() {
  const auto now = Clock::now();
  for (auto& slot : slots_) {
    if (!slot.restart_at || *slot.restart_at > now) continue;
    slot.restart_at.reset();
    ++slot.restarts;
    try {
      launch(slot);
    } catch (const std::exception& e) {
      spdlog::error("{} stays down: {}", name(slot), e.what());
    }
  }
}

pid_t Supervisor::controller_pid() const {
  for (const auto& slot : slots_)
    if (slot.role == Role::kController && slot.pid != 0) return slot.pid;
  return 0;
}

std::vector<pid_t> Supervisor::engine_pids() const {
  std::vector<pid_t> pids;
  for (const auto& slot : slots_)
    if (slot.role == Role::kEngine && slot.pid != 0) pids.push_back(slot.pid);
  return pids;
}

bool Supervisor::any_running() const {
  return std::any_of(slots_.begin(), slots_.end(),
                     [](const Slot& slot) { return slot.pid != 0 || slot.restart_at; });
}

void Supervisor::stop_all(std::chrono::milliseconds grace) {
  for (auto& slot : slots_) slot.restart_at.reset();
  stop_role(Role::kEngine, grace);
  stop_role(Role::kController, grace);
}

void Supervisor::stop_role(Role role, std::chrono::milliseconds grace) {
  std::vector<pid_t> pids;
  for (const auto& slot : slots_)
    if (slot.role == role && slot.pid != 0) pids.push_back(slot.pid);
  if (pids.empty()) return;
  spdlog::info("stopping {} {}(s)", pids.size(), role_name(role));
  stop_children(pids, grace);
  for (auto& slot : slots_) {
    if (slot.role != role || slot.pid == 0) continue;
    remove_pid_file(pid_file_path(profile_.run_dir(), slot.role, slot.pid));
    slot.pid = 0;
  }
}

}  // namespace herd::cli
