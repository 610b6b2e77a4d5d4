// Starting herd child processes, recognising herd processes by pid, and
// stopping them within a bound.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace herd::cli {

// This binary's path ("/proc/self/exe" if it was replaced on disk since).
std::string self_path();

// Runs this same binary with `args` (args[0] is only the name ps shows) in a
// process group of its own, stdin from /dev/null, stdout and stderr appended
// to `log`, no other file descriptors (but `pass_fd`, if not -1, as
// descriptor kPassedFd), default signal handling.
// Throws std::runtime_error.
pid_t spawn_self(const std::vector<std::string>& args, const std::filesystem::path& log,
                 int pass_fd = -1);
inline constexpr int kPassedFd = 3;
// Runs the program argv[0] (searched in PATH) as spawn_self does, but with
// `stdin_fd` as standard input and `out_fd` as stdout and stderr.
// Throws std::runtime_error.
pid_t spawn_program(const std::vector<std::string>& argv, int stdin_fd, int out_fd);

// Whether the process exists and is not a zombie.
bool is_alive(pid_t pid);
// Whether the process is alive, runs this herd binary (or the file it
// replaced, after a rebuild) and belongs to profile `profile`: so that a pid
// reused by another program, or by a herd process of another profile, is
// never taken for ours.
bool is_herd_process(pid_t pid, const std::string& profile);

// The wait status of our child `child` if it has exited (reaping it, and
// killing what is left of the process group it led), or nullopt while it
// runs. A child reaped before counts as exited (status 0).
std::optional<int> try_reap(pid_t child);
// "exited with code 1", "was killed by signal 9 (SIGKILL)".
std::string describe_exit(int wait_status);
// The same without "was": "exited with code 1", "killed by signal 9 (SIGKILL)".
std::string exit_cause(int wait_status);

// SIGTERM to each, up to `grace` for them to exit, then SIGKILL to the rest;
// returns once all are gone (at most ~1 s after the grace). `children` are
// ours, so they are reaped; other processes are only watched.
void stop_children(const std::vector<pid_t>& children, std::chrono::milliseconds grace);
void stop_processes(const std::vector<pid_t>& pids, std::chrono::milliseconds grace);

}  // namespace herd::cli
