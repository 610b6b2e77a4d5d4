#include "pid_files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <tuple>

#include "proto/private_file.hpp"

namespace herd::cli {

namespace fs = std::filesystem;

namespace {

std::optional<Role> role_of(const std::string& name) {
  if (name == "controller.pid") return Role::kController;
  if (name.starts_with("supervisor-") && name.ends_with(".pid")) return Role::kSupervisor;
  if (name.starts_with("engine-") && name.ends_with(".pid")) return Role::kEngine;
  return std::nullopt;
}

std::optional<pid_t> read_pid(const fs::path& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0 || pid > 0x3fffffff) return std::nullopt;
  return static_cast<pid_t>(pid);
}

}  // namespace

const char* role_name(Role role) {
  switch (role) {
    case Role::kSupervisor:
      return "supervisor";
    case Role::kController:
      return "controller";
    case Role::kEngine:
      return "engine";
  }
  return "?";
}

fs::path pid_file_path(const fs::path& run_dir, Role role, pid_t pid) {
  if (role == Role::kController) return run_dir / "controller.pid";
  return run_dir / (std::string(role_name(role)) + "-" + std::to_string(pid) + ".pid");
}

void write_pid_file(const fs::path& path, pid_t pid) {
  wire::write_private_file(path, std::to_string(pid) + '\n');
}

void remove_pid_file(const fs::path& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

std::vector<PidFile> list_pid_files(const fs::path& run_dir) {
  std::vector<PidFile> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
    const auto role = role_of(entry.path().filename().string());
    if (!role) continue;
    if (const auto pid = read_pid(entry.path())) files.push_back({entry.path(), *role, *pid});
  }
  std::sort(files.begin(), files.end(), [](const PidFile& a, const PidFile& b) {
    return std::tie(a.role, a.path) < std::tie(b.role, b.path);
  });
  return files;
}

std::optional<ClusterLock> ClusterLock::try_acquire(const fs::path& run_dir) {
  const fs::path path = run_dir / "cluster.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return ClusterLock(fd);
}

ClusterLock::~ClusterLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace herd::cli
