#include "process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string_view>
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

// A descriptor closed when it goes out of scope.
class UniqueFd {
 public:
  UniqueFd() = default;
  ~UniqueFd() { reset(-1); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }

 private:
  int fd_ = -1;
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

// The NUL-separated strings of a /proc file (cmdline, environ).
std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> parts;
  for (size_t begin = 0; begin < text.size();) {
    const size_t end = std::min(text.find('\0', begin), text.size());
    parts.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return parts;
}

// Whether the process runs the file this process runs. A pid file's process
// counts as ours only then: "herd" somewhere in a command line was also true
// of unrelated programs that took over the pid (an editor on herd.cpp). A
// process still running a herd binary that a rebuild replaced shows
// "PATH (deleted)": it counts if PATH is ours.
bool runs_this_binary(const std::string& proc) {
  std::error_code ec;
  if (std::filesystem::equivalent(proc + "/exe", "/proc/self/exe", ec)) return true;
  const std::string theirs = std::filesystem::read_symlink(proc + "/exe", ec).string();
  constexpr std::string_view kDeleted = " (deleted)";
  if (ec || !theirs.ends_with(kDeleted)) return false;
  const std::string ours = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  return !ec && theirs.substr(0, theirs.size() - kDeleted.size()) == ours;
}

// The profile a herd process serves, as its command line chose it: its
// --profile option, else HERD_PROFILE in the environment it started with,
// else "default" (as CommandLine::profile_name does).
std::string profile_of(const std::vector<std::string>& args,
                       const std::vector<std::string>& environment) {
  constexpr std::string_view kOption = "--profile", kVariable = "HERD_PROFILE=";
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;  // herd submit's command follows
    if (args[i] == kOption && i + 1 < args.size()) return args[i + 1];
    if (args[i].starts_with(std::string(kOption) + "="))
      return args[i].substr(kOption.size() + 1);
  }
  for (const auto& variable : environment)
    if (variable.starts_with(kVariable) && variable.size() > kVariable.size())
      return variable.substr(kVariable.size());
  return "default";
}

// Starts `path` (searched in PATH if `search`) with `args`, the file actions
// already in `setup`, default signal handling, in a process group of its own.
pid_t spawn_with(SpawnSetup& setup, const std::string& path, bool search,
                 const std::vector<std::string>& args, const std::string& what) {
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
  const int rc =
      search
          ? ::posix_spawnp(&pid, path.c_str(), &setup.actions_, &setup.attr_, argv.data(), environ)
          : ::posix_spawn(&pid, path.c_str(), &setup.actions_, &setup.attr_, argv.data(), environ);
  if (rc != 0) throw std::runtime_error("cannot start " + what + ": " + std::strerror(rc));
  return pid;
}

}  // namespace

// This binary's path, so children show up as "herd" to ps and pgrep; if it
// was replaced on disk since we started, the kernel's link still reaches the
// file we run.
std::string self_path() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec || path.ends_with(" (deleted)") || !std::filesystem::exists(path)) return "/proc/self/exe";
  return path;
}

pid_t spawn_self(const std::vector<std::string>& args, const std::filesystem::path& log,
                 int pass_fd) {
  SpawnSetup setup;
  ::posix_spawn_file_actions_addopen(&setup.actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(&setup.actions_, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
  ::posix_spawn_file_actions_adddup2(&setup.actions_, STDOUT_FILENO, STDERR_FILENO);
  // dup2 onto itself would leave the descriptor close-on-exec: move it first.
  UniqueFd moved;
  if (pass_fd == kPassedFd) {
    moved.reset(::fcntl(pass_fd, F_DUPFD_CLOEXEC, kPassedFd + 1));
    if (moved.get() < 0)
      throw std::runtime_error(std::string("cannot pass a descriptor: ") + std::strerror(errno));
    pass_fd = moved.get();
  }
  if (pass_fd >= 0) ::posix_spawn_file_actions_adddup2(&setup.actions_, pass_fd, kPassedFd);
  ::posix_spawn_file_actions_addclosefrom_np(&setup.actions_,
                                             pass_fd >= 0 ? kPassedFd + 1 : STDERR_FILENO + 1);
  return spawn_with(setup, self_path(), false, args,
                    "`herd " + (args.size() > 1 ? args[1] : "") + "` (log " + log.string() + ")");
}

pid_t spawn_program(const std::vector<std::string>& argv, int stdin_fd, int out_fd) {
  if (argv.empty()) throw std::runtime_error("no program to start");
  SpawnSetup setup;
  // Descriptors 0-2 may be the ones given: move them out of the way first.
  UniqueFd in, out;
  in.reset(::fcntl(stdin_fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
  out.reset(::fcntl(out_fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
  if (in.get() < 0 || out.get() < 0)
    throw std::runtime_error(std::string("cannot pass a descriptor: ") + std::strerror(errno));
  ::posix_spawn_file_actions_adddup2(&setup.actions_, in.get(), STDIN_FILENO);
  ::posix_spawn_file_actions_adddup2(&setup.actions_, out.get(), STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&setup.actions_, out.get(), STDERR_FILENO);
  ::posix_spawn_file_actions_addclosefrom_np(&setup.actions_, STDERR_FILENO + 1);
  return spawn_with(setup, argv[0], true, argv, "`" + argv[0] + "`");
}

bool is_alive(pid_t pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  // "pid (comm) S …": comm may itself hold ')' and spaces.
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  return stat[close + 2] != 'Z';
}

bool is_herd_process(pid_t pid, const std::string& profile) {
  if (!is_alive(pid)) return false;
  const std::string proc = "/proc/" + std::to_string(pid);
  if (!runs_this_binary(proc)) return false;
  const auto args = split_nul(read_file(proc + "/cmdline"));
  return profile_of(args, split_nul(read_file(proc + "/environ"))) == profile;
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
    const std::string number = "killed by signal " + std::to_string(sig);
    return name ? number + " (SIG" + name + ")" : number;
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
