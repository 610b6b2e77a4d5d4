// Telling an engine's supervisor that the engine exits on purpose, and with
// which code. A task runs inside the engine process and may call exit(),
// _exit() or quick_exit() with any code, 0 and the reserved ones (SPEC.md,
// "Engine exit codes") among them; so a supervisor believes an exit code only
// if the engine wrote it down first. The supervisor creates a pipe before it
// starts the engine and passes its write end as `herd engine --status-fd N`;
// just before exiting on purpose the engine writes one record, "exit CODE\n".
// An engine started by hand has no such descriptor and announces nothing.
#pragma once

#include <optional>
#include <string_view>

namespace herd::engine {

// From now on announce_exit() writes to `fd`, which is made close-on-exec so
// that the commands tasks start do not inherit it. Throws std::runtime_error
// if `fd` is not an open descriptor.
void set_exit_announcement_fd(int fd);

// Writes "exit CODE\n" to the descriptor, if there is one. One write(2) and
// no locks, so it is safe anywhere, just before std::_Exit among others.
void announce_exit(int code);

// The code of the last complete record in what the supervisor read, or
// nullopt if there is none.
std::optional<int> parse_exit_announcement(std::string_view records);

}  // namespace herd::engine
