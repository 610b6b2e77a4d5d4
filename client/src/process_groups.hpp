// The process groups of the shell commands running in this process. A shell
// task runs its command in a group of its own and notes it here while it
// runs, so that an engine about to exit on purpose (recycled, or stopped
// with a task still running) can end those groups first: its task thread
// cannot be stopped, and PR_SET_PDEATHSIG reaches only the shell itself,
// not the processes the shell started.
//
// Thread-safe; end_process_groups() is also async-signal-safe.
#pragma once

#include <sys/types.h>

#include <chrono>

namespace herd::detail {

// How long a command that is asked to end (SIGTERM) gets before SIGKILL.
inline constexpr std::chrono::milliseconds kProcessGroupGrace{2000};

// Notes the running group `pgid`. Returns false if the table is full; the
// group then has only PR_SET_PDEATHSIG to end it with the engine.
bool add_process_group(pid_t pgid);

// Forgets `pgid`; call once the group is ended or its leader reaped.
void remove_process_group(pid_t pgid);

// Sends SIGTERM to every noted group, waits up to `grace` for their tasks to
// forget them (each does so once its shell is gone), then sends SIGKILL to
// the groups still noted. Blocks for at most `grace`. Uses only lock-free
// atomics and async-signal-safe calls, so it may run just before _Exit or in
// a signal handler.
void end_process_groups(std::chrono::milliseconds grace = kProcessGroupGrace);

}  // namespace herd::detail
