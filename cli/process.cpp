#include "process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace herd::cli {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr auto kKillWait = std::chrono::seconds(1);

// posix_spawn's attribute and file-action objects, destroyed on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawnattr_init(&attr_);
    ::posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Removes from `pids` every process `gone` says has exited, until none is
// left or `deadline` passes.
void wait_gone(std::vector<pid_t>& pids, const std::function<bool(pid_t)>& gone,
               Clock::time_point deadline) {
  for (;;) {
    std::erase_if(pids, gone);
    if (pids.empty() || Clock::now() >= deadline) return;
    std::this_thread::sleep_for(kPollInterval);
  }
}

void stop(std::vector<pid_t> pids, std::chrono::milliseconds grace,
          const std::function<bool(pid_t)>& gone) {
  for (pid_t pid : pids) ::kill(pid, SIGTERM);
  wait_gone(pids, gone, Clock::now() + grace);
  // A process we started leads its own group; the group also holds what it
  // ran (a shell task's commands), which must not outlive it.
  for (pid_t pid : pids) ::kill(::getpgid(pid) == pid ? -pid : pid, SIGKILL);
  wait_gone(pids, gone, Clock::now() + kKillWait);
}

// This binary's path, so children show up as "herd" to ps and pgrep; if it
// was replaced on disk since we started, the kernel's link still reaches the
// file we run.
std::string self_path() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec || path.ends_with(" (deleted)") || !std::filesystem::exists(path)) return "/proc/self/exe";
  return path;
}

}  // namespace

pid_t spawn_self(const std::vector<std::string>& args, const std::filesystem::path& log) {
  SpawnSetup setup;
  ::posix_spawn_file_actions_addopen(&setup.actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(&setup.actions_, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
  ::posix_spawn_file_actions_adddup2(&setup.actions_, STDOUT_FILENO, STDERR_FILENO);
  ::posix_spawn_file_actions_addclosefrom_np(&setup.actions_, STDERR_FILENO + 1);

  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) sigaddset(&defaults, sig);
  ::posix_spawnattr_setsigmask(&setup.attr_, &none);
  ::posix_spawnattr_setsigdefault(&setup.attr_, &defaults);
  // A group of its own: Ctrl-C reaches only the supervisor, which then stops
  // its children in order (engines before the controller).
  ::posix_spawnattr_setpgroup(&setup.attr_, 0);
  ::posix_spawnattr_setflags(
      &setup.attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const std::string path = self_path();
  const int rc =
      ::posix_spawn(&pid, path.c_str(), &setup.actions_, &setup.attr_, argv.data(), environ);
  if (rc != 0)
    throw std::runtime_error("cannot start `herd " + (args.size() > 1 ? args[1] : "") + "` (log " +
                             log.string() + "): " + std::strerror(rc));
  return pid;
}

bool is_alive(pid_t pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  // "pid (comm) S …": comm may itself hold ')' and spaces.
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  return stat[close + 2] != 'Z';
}

bool is_herd_process(pid_t pid) {
  if (!is_alive(pid)) return false;
  const std::string proc = "/proc/" + std::to_string(pid);
  if (read_file(proc + "/cmdline").find("herd") != std::string::npos) return true;
  // Started under another name, but the same binary as ours.
  std::error_code ec;
  return std::filesystem::equivalent(proc + "/exe", "/proc/self/exe", ec);
}

std::optional<int> try_reap(pid_t child) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return 0;
  if (info.si_pid == 0) return std::nullopt;
  // Unreaped, its pid is not reused yet, so the group it led is still its own:
  // end what it left running there (a shell task's commands).
  if (::getpgid(child) == child) ::kill(-child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

std::string describe_exit(int wait_status) {
  return WIFSIGNALED(wait_status) ? "was " + exit_cause(wait_status) : exit_cause(wait_status);
}

std::string exit_cause(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* name = ::sigabbrev_np(sig);
    return name ? "killed by SIG" + std::string(name) : "killed by signal " + std::to_string(sig);
  }
  return "stopped";
}

void stop_children(const std::vector<pid_t>& children, std::chrono::milliseconds grace) {
  stop(children, grace, [](pid_t pid) { return try_reap(pid).has_value(); });
}

void stop_processes(const std::vector<pid_t>& pids, std::chrono::milliseconds grace) {
  stop(pids, grace, [](pid_t pid) { return !is_alive(pid); });
}

}  // namespace herd::cli
