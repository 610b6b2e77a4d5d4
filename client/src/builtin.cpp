// The built-in tasks, registered in libherd itself so every engine has them.
#include "herd/builtin.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace herd {
namespace {

// All of an open file, from its start.
std::string read_all(int fd) {
  std::string out;
  ::lseek(fd, 0, SEEK_SET);
  char buffer[65536];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<size_t>(n));
  return out;
}

// An anonymous temporary file: unlinked at once, so nothing is left behind
// whatever happens to the engine.
int anonymous_file() {
  char path[] = "/tmp/herd-shell-XXXXXX";
  const int fd = ::mkostemp(path, O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for shell output");
  ::unlink(path);
  return fd;
}

// Runs `command` under /bin/sh with stdout and stderr captured in anonymous
// files, which avoids juggling two pipes without deadlock.
ShellResult shell_task(std::string command) {
  const int out_fd = anonymous_file();
  const int err_fd = anonymous_file();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The command goes down with the engine that started it, and takes its
    // own children along through its process group.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::setpgid(0, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  const bool ran = pid > 0 && ::waitpid(pid, &status, 0) == pid;
  ShellResult result;
  if (ran) {
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = read_all(out_fd);
    result.err = read_all(err_fd);
  }
  ::close(out_fd);
  ::close(err_fd);
  if (!ran) throw std::runtime_error("cannot run /bin/sh");
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
