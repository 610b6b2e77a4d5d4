// Turning SIGINT/SIGTERM/SIGHUP into a stop flag that the long-running
// commands poll, and SIGCHLD into a wake-up for a supervisor.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>

namespace herd::cli {

// From now on SIGINT, SIGTERM and SIGHUP set the returned flag instead of
// ending the process. Safe to call more than once.
const std::atomic<bool>& stop_on_signals();

// From now on a child's exit wakes wait_for_child (a stopped child does
// not). SIGCHLD may then interrupt a blocking call in any thread that does
// not block signals (ZeroMQ's own threads do). Safe to call more than once.
// Throws std::runtime_error if the wake-up pipe cannot be made.
void watch_children();
// Returns once a child has exited since the last return, or after `timeout`.
// Call watch_children() first.
void wait_for_child(std::chrono::milliseconds timeout);

// Asks the kernel to send this process SIGTERM when `parent` exits, so a
// supervisor that is killed outright leaves no orphans. Throws
// std::runtime_error if `parent` is already gone.
void exit_with_parent(pid_t parent);

}  // namespace herd::cli
