// Turning SIGINT/SIGTERM/SIGHUP into a stop flag that the long-running
// commands poll.
#pragma once

#include <sys/types.h>

#include <atomic>

namespace herd::cli {

// From now on SIGINT, SIGTERM and SIGHUP set the returned flag instead of
// ending the process. Safe to call more than once.
const std::atomic<bool>& stop_on_signals();

// Asks the kernel to send this process SIGTERM when `parent` exits, so a
// supervisor that is killed outright leaves no orphans. Throws
// std::runtime_error if `parent` is already gone.
void exit_with_parent(pid_t parent);

}  // namespace herd::cli
