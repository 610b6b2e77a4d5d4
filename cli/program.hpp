// Another program a launcher runs (ssh, mpiexec, sbatch, squeue, scancel):
// given its input on standard input, its output captured, and never waited
// for without a bound.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace herd::cli {

// One run of a program, started by the constructor. Not thread-safe.
class Program {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts argv[0] (searched in PATH) with argv, in a process group of its
  // own, with `input` on its standard input (then closed: the input goes
  // through a pipe, never a command line or the environment). Its stdout
  // and stderr are captured, or appended to `log` if given (for one that
  // runs long and says much). Throws std::runtime_error if it cannot start.
  explicit Program(const std::vector<std::string>& argv, const std::string& input = {},
                   const std::filesystem::path& log = {});
  // Kills its process group and reaps it if it still runs.
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }

  // Its wait status once it has exited (reaping it), else nullopt.
  std::optional<int> poll();
  // Waits until it exits or `deadline` passes, killing it then; returns its
  // wait status, or nullopt if it had to be killed.
  std::optional<int> finish(Clock::time_point deadline);
  // SIGTERM, up to `grace` to exit, then SIGKILL to its process group.
  void stop(std::chrono::milliseconds grace);
  // The output captured so far.
  const std::string& output();
  // Its last non-empty line of output, for error messages.
  std::string last_line();

 private:
  void drain();
  void close_output();

  std::string name_;
  pid_t pid_ = 0;
  std::optional<int> status_;
  int output_fd_ = -1;
  std::string output_;
};

// Runs a program to its end within `bound`. Returns {wait status or
// nullopt if killed at the bound, output}. Throws std::runtime_error if it
// cannot start.
struct ProgramResult {
  std::optional<int> status;
  std::string output;
  bool ok() const;  // exited with code 0
};
ProgramResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds bound,
                          const std::string& input = {});

// The last line of `text` that is not blank ("" if none).
std::string last_line_of(const std::string& text);

// Words of a command given as one option ("ssh -p 2222"), split at blanks.
std::vector<std::string> split_words(const std::string& command);
// `args` as one line for a POSIX shell (what ssh hands the remote shell):
// a word with anything but letters, digits and -_./=:,@+% is single-quoted.
std::string shell_line(const std::vector<std::string>& args);

}  // namespace herd::cli
