// The built-in tasks, registered in libherd itself so every engine has them.
#include "herd/builtin.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <thread>

#include "herd/error.hpp"
#include "process_groups.hpp"

namespace herd {
namespace {

// All of an open file, from its start.
std::string read_all(int fd) {
  std::string out;
  ::lseek(fd, 0, SEEK_SET);
  char buffer[65536];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
    out.append(buffer, static_cast<size_t>(n));
  return out;
}

// An open descriptor, closed when it goes out of scope.
struct OwnedFd {
  explicit OwnedFd(int descriptor) : fd(descriptor) {}
  ~OwnedFd() { ::close(fd); }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  const int fd;
};

// An anonymous temporary file: unlinked at once, so nothing is left behind
// whatever happens to the engine.
int anonymous_file() {
  char path[] = "/tmp/herd-shell-XXXXXX";
  const int fd = ::mkostemp(path, O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for shell output");
  ::unlink(path);
  return fd;
}

// Starts /bin/sh -c `command` as the leader of a new process group, with
// stdout and stderr going to the given files. -1 if fork fails.
pid_t start_shell(const std::string& command, int out_fd, int err_fd) {
  const pid_t engine = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls until exec: the engine has other threads.
    ::setpgid(0, 0);
    // A backstop for an engine that dies abruptly; it reaches only the
    // shell, so the engine ends the rest of the group when it can.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != engine) ::_exit(127);  // the engine died before prctl
    // The engine's blocked and ignored signals would survive exec and
    // shield the command from the SIGTERM that ends it.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) ::signal(sig, SIG_DFL);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Here too, so that the group exists before anyone signals it.
  if (pid > 0) ::setpgid(pid, pid);
  return pid;
}

// Whether `pid` has exited, leaving it unreaped: until it is reaped its pid,
// which is its group's id, cannot be reused, so the group is safe to signal.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  while (::waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    if (errno != EINTR) return true;  // not our child any more: nothing to wait for
  return info.si_pid == pid;
}

// Waits for the shell `pid` to exit, or for up to `step`. Its pidfd wakes
// us as it exits; without one (an old kernel) this simply sleeps.
void wait_step(int pidfd, std::chrono::milliseconds step) {
  pollfd p{pidfd, POLLIN, 0};
  ::poll(&p, pidfd >= 0 ? 1 : 0, static_cast<int>(step.count()));
}

// Waits for the shell `pid` to exit. While it runs, a cancelled task asks
// its whole group to end (SIGTERM), then forces it (SIGKILL) after a grace.
// Returns whether the task was cancelled.
bool wait_for_shell(pid_t pid) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kStep = std::chrono::milliseconds(10);
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  std::optional<Clock::time_point> kill_at;
  while (!has_exited(pid)) {
    if (!kill_at && this_task().cancelled()) {
      ::kill(-pid, SIGTERM);
      kill_at = Clock::now() + detail::kProcessGroupGrace;
    } else if (kill_at && Clock::now() >= *kill_at) {
      ::kill(-pid, SIGKILL);
    }
    wait_step(pidfd, kStep);
  }
  if (pidfd >= 0) ::close(pidfd);
  return kill_at.has_value();
}

// Runs `command` under /bin/sh in a process group of its own, with stdout
// and stderr captured in anonymous files, which avoids juggling two pipes
// without deadlock. When the shell is gone, so is whatever it left running
// in its group: a task leaves nothing behind (a command that means to
// outlive its task must leave the group, with setsid).
ShellResult shell_task(std::string command) {
  const OwnedFd out(anonymous_file());
  const OwnedFd err(anonymous_file());
  const pid_t pid = start_shell(command, out.fd, err.fd);
  if (pid < 0) throw std::runtime_error("cannot run /bin/sh");
  const bool noted = detail::add_process_group(pid);
  const bool cancelled = wait_for_shell(pid);
  ::kill(-pid, SIGKILL);  // what is left of the group; its leader is not reaped yet
  if (noted) detail::remove_process_group(pid);  // before its id may be reused
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (cancelled) throw TaskAborted("shell command cancelled");
  ShellResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_all(out.fd);
  result.err = read_all(err.fd);
  return result;
}

// Sleeps in short steps, so that an aborted sleep ends at once.
void sleep_task(double seconds) {
  if (!(seconds >= 0)) throw std::invalid_argument("sleep: seconds must be >= 0");
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(seconds));
  constexpr auto kStep = std::chrono::milliseconds(10);
  while (!this_task().cancelled()) {
    const auto now = Clock::now();
    if (now >= end) return;
    std::this_thread::sleep_for(std::min<Clock::duration>(kStep, end - now));
  }
  throw TaskAborted("sleep cancelled");
}

WhoAmI whoami_task() {
  std::array<char, 256> host{};
  ::gethostname(host.data(), host.size() - 1);
  return {host.data(), static_cast<int64_t>(::getpid())};
}

}  // namespace
}  // namespace herd

HERD_TASK_NAMED("herd::shell", herd::shell_task);
HERD_TASK_NAMED("herd::sleep", herd::sleep_task);
HERD_TASK_NAMED("herd::whoami", herd::whoami_task);
