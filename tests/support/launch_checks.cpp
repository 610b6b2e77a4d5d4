#include "support/launch_checks.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace herd::test {

namespace fs = std::filesystem;

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string program_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(std::string(path ? path : "") + ":/usr/sbin:/sbin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

std::vector<pid_t> profile_pids(const fs::path& herd_dir, const std::string& profile) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(herd_dir / ("profile_" + profile) / "run", ec)) {
    if (entry.path().extension() != ".pid") continue;
    std::ifstream in(entry.path());
    long pid = 0;
    if (in >> pid && pid > 0) pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

void write_fake_ssh(const fs::path& path) {
  {
    std::ofstream out(path);
    out << "#!/bin/sh\n"
           "here=$(dirname \"$0\")\n"
           "echo \"$*\" >> \"$here/calls\"\n"
           "host=$1; shift\n"
           "if [ -e \"$here/down-$host\" ]; then\n"
           "  echo \"ssh: connect to host $host port 22: No route to host\" >&2; exit 255\n"
           "fi\n"
           "cd / && exec sh -c \"$*\"\n";
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  fs::permissions(path, fs::perms::owner_all);
}

}  // namespace herd::test
