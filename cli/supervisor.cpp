#include "supervisor.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "process.hpp"

namespace herd::cli {

namespace fs = std::filesystem;

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
  write_pid_file(pid_file_path(profile_.run_dir(), slot.role, slot.pid), slot.pid);
  spdlog::info("started {} {} (pid {}), log {}", role_name(slot.role), slot.index, slot.pid,
               log_file(slot).string());
  return slot.pid;
}

std::vector<Supervisor::Exit> Supervisor::reap() {
  std::vector<Exit> exits;
  for (auto& slot : slots_) {
    if (slot.pid == 0) continue;
    const auto status = try_reap(slot.pid);
    if (!status) continue;
    remove_pid_file(pid_file_path(profile_.run_dir(), slot.role, slot.pid));
    exits.push_back({slot, *status});
    slot.pid = 0;
  }
  return exits;
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
  for (const auto& slot : slots_)
    if (slot.pid != 0) return true;
  return false;
}

void Supervisor::stop_all(std::chrono::milliseconds grace) {
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
