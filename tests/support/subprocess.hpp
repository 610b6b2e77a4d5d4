// Running a command from a test: its stdout, stderr and exit code, with a
// bound on how long it may take. A command that runs past the bound is
// killed (by its pid; it is our child), so a test never hangs on it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace herd::test {

struct RunResult {
  int exit_code = -1;  // the exit code, 128 + signal if killed, -1 on timeout
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};

  // "exit 3 after 120 ms; stdout: …; stderr: …" for failure messages.
  std::string describe() const;
};

// Runs argv[0] (a path) with argv, stdin from /dev/null, the environment of
// this process with `env` laid over it, and no file descriptors but 0-2.
// Returns once the command exits, even if a process it started keeps its
// stdout open. Throws std::runtime_error if it cannot start the command.
RunResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                      const std::map<std::string, std::string>& env = {});

// The environment of this process with `env` laid over it, as NAME=VALUE
// entries for execve.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& env);

// Whether the process exists and is not a zombie.
bool process_alive(pid_t pid);

// Waits up to `timeout` until no process of `pids` is alive; returns the
// ones still alive then.
std::vector<pid_t> wait_until_gone(const std::vector<pid_t>& pids,
                                   std::chrono::milliseconds timeout);

// The executable of a process ("" if unknown).
std::string process_exe(pid_t pid);

}  // namespace herd::test
