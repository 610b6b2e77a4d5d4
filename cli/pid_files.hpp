// The pid files in a profile's run/ folder: supervisor-<pid>.pid for each
// cluster supervisor, controller.pid, engine-<pid>.pid for each engine a
// supervisor started. Each holds the process id and a newline.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <utility>
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

// An exclusive lock on run/cluster.lock, which a profile's cluster
// supervisor holds for its whole life, so two `herd cluster start` on one
// profile never both run. The lock passes to a forked child and lasts until
// the last process holding it exits.
class ClusterLock {
 public:
  // Nullopt if another process holds it. Throws std::runtime_error if the
  // lock file cannot be opened.
  static std::optional<ClusterLock> try_acquire(const std::filesystem::path& run_dir);
  ClusterLock(ClusterLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ClusterLock& operator=(ClusterLock&&) = delete;
  ~ClusterLock();

 private:
  explicit ClusterLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace herd::cli
