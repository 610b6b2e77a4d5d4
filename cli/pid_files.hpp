// The pid files in a profile's run/ folder: supervisor-<pid>.pid for each
// cluster supervisor, controller.pid, engine-<pid>.pid for each engine a
// supervisor started. Each holds the process id and a newline.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <vector>

namespace herd::cli {

enum class Role { kSupervisor, kController, kEngine };

const char* role_name(Role role);

struct PidFile {
  std::filesystem::path path;
  Role role;
  pid_t pid;
};

std::filesystem::path pid_file_path(const std::filesystem::path& run_dir, Role role, pid_t pid);

// Writes atomically, so a reader never sees half a pid. Throws std::runtime_error.
void write_pid_file(const std::filesystem::path& path, pid_t pid);
// Removes the file, ignoring a missing one.
void remove_pid_file(const std::filesystem::path& path);

// Every readable pid file in `run_dir` (none if it does not exist),
// supervisors first, then the controller, then engines.
std::vector<PidFile> list_pid_files(const std::filesystem::path& run_dir);

}  // namespace herd::cli
