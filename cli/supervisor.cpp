#include "supervisor.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <tuple>

#include "engine/engine.hpp"
#include "engine/exit_announcement.hpp"
#include "process.hpp"

namespace herd::cli {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

// A child that dies sooner than this after its start failed "quickly";
// those in a row slow down its restarts, and too many give it up.
constexpr milliseconds kQuickFailure{10'000};
constexpr unsigned kMaxQuickFailures = 5;
constexpr milliseconds kFirstBackoff{500};
constexpr milliseconds kMaxBackoff{10'000};
constexpr int kCleanExit = 0;

// Makes the pipe an engine announces its exit on: {read end, write end},
// both close-on-exec (spawn_self passes the write end on), the read end
// non-blocking (a task may have passed the write end to a process that
// outlives the engine).
std::pair<int, int> announcement_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  return {fds[0], fds[1]};
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

Supervisor::Ending Supervisor::Exit::ending() const {
  if (!WIFEXITED(wait_status)) return Ending::kCrashed;
  const int code = WEXITSTATUS(wait_status);
  // The controller runs no tasks: its exit code is its own.
  if (slot.role != Role::kEngine) return code == kCleanExit ? Ending::kStopped : Ending::kCrashed;
  if (announced != code) return Ending::kCrashed;
  switch (code) {
    case kCleanExit:
      return Ending::kStopped;
    case herd::engine::kRefusedExitCode:
      return Ending::kRefused;
    case herd::engine::kRecycledExitCode:
      return Ending::kRecycled;
    case herd::engine::kRetiredExitCode:
      return Ending::kRetired;
    default:
      return Ending::kCrashed;  // its own error (connect timeout …): see its log
  }
}

bool Supervisor::Exit::died() const {
  const Ending e = ending();
  return e == Ending::kCrashed || e == Ending::kRecycled;
}

std::string Supervisor::Exit::cause() const {
  if (!WIFEXITED(wait_status)) return exit_cause(wait_status);
  const int code = WEXITSTATUS(wait_status);
  if (slot.role != Role::kEngine || announced == code) return exit_cause(wait_status);
  // The engine exits only through paths that announce: someone else in the
  // process called exit(), _exit() or quick_exit(), in practice its task.
  return "the task called exit(" + std::to_string(code) + ")";
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
  for (auto& slot : slots_) close_fd(slot.status_fd);
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
  int write_end = -1;
  if (slot.role == Role::kEngine) {
    args.push_back("--restarts");
    args.push_back(std::to_string(slot.restarts));
    close_fd(slot.status_fd);
    std::tie(slot.status_fd, write_end) = announcement_pipe();
    args.push_back("--status-fd");
    args.push_back(std::to_string(kPassedFd));
  }
  args.insert(args.end(), slot.options.begin(), slot.options.end());
  std::error_code no_log_yet;
  slot.log_start = fs::file_size(log_file(slot), no_log_yet);
  if (no_log_yet) slot.log_start = 0;
  try {
    slot.pid = spawn_self(args, log_file(slot), write_end);
  } catch (...) {
    close_fd(write_end);
    close_fd(slot.status_fd);
    throw;
  }
  close_fd(write_end);  // the engine's now: EOF once it exits
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
    const auto announced = read_announcement(slot);
    exits.push_back({id, slot, *status, announced});
    slot.pid = 0;
  }
  return exits;
}

std::optional<int> Supervisor::read_announcement(Slot& slot) {
  if (slot.status_fd < 0) return std::nullopt;
  std::string records;
  char buf[256];
  // The engine is gone, so what it wrote is all there; stop at EOF, or at
  // EAGAIN if something it started still holds the write end.
  for (ssize_t n; (n = ::read(slot.status_fd, buf, sizeof buf)) != 0;) {
    if (n > 0)
      records.append(buf, static_cast<size_t>(n));
    else if (errno != EINTR)
      break;
  }
  close_fd(slot.status_fd);
  return herd::engine::parse_exit_announcement(records);
}

std::optional<milliseconds> Supervisor::schedule_restart(const Exit& exit) {
  Slot& slot = slots_.at(exit.slot_id);
  if (slot.pid != 0 || !exit.died()) return std::nullopt;
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
  stop_role(Role::kController, grace);
  stop_role(Role::kEngine, grace);
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
    close_fd(slot.status_fd);
  }
}

}  // namespace herd::cli
