// The built-in tasks, registered in libherd itself so every engine has them.
#include "herd/builtin.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace herd {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs `command` under /bin/sh with stdout and stderr captured in temp files,
// which avoids juggling two pipes without deadlock.
ShellResult shell_task(std::string command) {
  char out_path[] = "/tmp/herd-shell-out-XXXXXX";
  char err_path[] = "/tmp/herd-shell-err-XXXXXX";
  const int out_fd = ::mkstemp(out_path);
  const int err_fd = ::mkstemp(err_path);
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("cannot create temp files for shell output");
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
  ::close(out_fd);
  ::close(err_fd);
  ShellResult result;
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) < 0) {
    ::unlink(out_path);
    ::unlink(err_path);
    throw std::runtime_error("cannot run /bin/sh");
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_all(out_path);
  result.err = read_all(err_path);
  ::unlink(out_path);
  ::unlink(err_path);
  return result;
}

void sleep_task(double seconds) {
  if (!(seconds >= 0)) throw std::invalid_argument("sleep: seconds must be >= 0");
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
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
