// Checks for tests of what `herd cluster start` starts through a launcher:
// the processes a profile's run/*.pid files record (a host supervisor's
// profile sits beside the cluster's in the same HERD_DIR), and a stand-in
// for ssh.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace herd::test {

// The whole content of a file ("" if it cannot be read).
std::string read_text(const std::filesystem::path& file);

// Where the executable `name` is on $PATH (then /usr/sbin and /sbin),
// or "": tests of mpiexec and Slurm skip without them.
std::string program_path(const std::string& name);
inline bool on_path(const std::string& name) { return !program_path(name).empty(); }

// The pids in HERD_DIR/profile_<profile>/run/*.pid now.
std::vector<pid_t> profile_pids(const std::filesystem::path& herd_dir, const std::string& profile);

// Writes an executable script to `path` that does what `ssh HOST COMMAND`
// does, here: it runs COMMAND (one line for a shell) with `sh -c` from /
// (not the caller's folder, as sshd starts in the home folder), with the
// caller's environment. A host named in a file `down-HOST` beside the
// script cannot be reached: the script says so on stderr as ssh does and
// exits 255. Each call's arguments are appended to `calls` beside it.
void write_fake_ssh(const std::filesystem::path& path);

}  // namespace herd::test
