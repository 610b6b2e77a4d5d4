// A long-running process a test starts and owns (a controller, an engine, a
// client program): it runs in the background, writes its stdout and stderr
// to files, and is SIGKILLed and reaped by the destructor if it still runs,
// so no test leaves it behind, even when an assertion ends the test early.
// Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace herd::test {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with argv, stdin from /dev/null, stdout and
  // stderr appended to `out_file` and `err_file`, and the environment of
  // this process with `env` laid over it. Throws std::runtime_error if it
  // cannot start the command.
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               std::filesystem::path out_file, std::filesystem::path err_file);
  // SIGKILLs the process if it still runs and reaps it.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Whether it still runs (reaps it if it has exited).
  bool running();
  // Waits up to `timeout` for it to exit; its exit code (128 + signal if
  // killed), or nullopt if it still runs.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Sends `signal` if it still runs.
  void signal(int signal);
  // SIGTERM, then SIGKILL if it has not exited within `grace`; the exit code.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  std::string out() const;
  std::string err() const;
  // "pid N, exit …; stdout: …; stderr: …" for failure messages.
  std::string describe() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_file_;
  std::filesystem::path err_file_;
};

}  // namespace herd::test
