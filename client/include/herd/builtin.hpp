// Tasks every engine offers, whatever libraries it loads.
#pragma once

#include <cstdint>
#include <string>

#include "herd/codec.hpp"
#include "herd/task.hpp"

namespace herd {

struct ShellResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

struct WhoAmI {
  std::string host;
  int64_t pid = 0;
};

}  // namespace herd

HERD_CODEC(herd::ShellResult, exit_code, out, err);
HERD_CODEC(herd::WhoAmI, host, pid);

namespace herd::builtin {

// Runs a command with /bin/sh -c; its exit code, stdout and stderr. The
// command runs in a process group of its own, which ends with the task:
// once the shell exits, whatever it left running in the group is killed; a
// cancelled task (abort(), or its engine stopping or recycled after a
// timeout) sends the group SIGTERM, then SIGKILL 2 s later, and fails with
// TaskAborted. A command meant to outlive its task must leave the group
// (setsid).
inline const Task<ShellResult(std::string)> shell{"herd::shell"};
// Sleeps for the given number of seconds.
inline const Task<void(double)> sleep{"herd::sleep"};
// The engine's host name and process id.
inline const Task<WhoAmI()> whoami{"herd::whoami"};

}  // namespace herd::builtin
