#include "herd/profile.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "herd/error.hpp"

namespace herd {

namespace fs = std::filesystem;

fs::path herd_dir() {
  if (const char* dir = std::getenv("HERD_DIR"); dir && *dir) return fs::absolute(dir);
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/tmp") / ".herd";
}

std::string default_profile_name() {
  const char* name = std::getenv("HERD_PROFILE");
  return name && *name ? name : "default";
}

Profile::Profile(std::string name) : name_(std::move(name)) {}

fs::path Profile::dir() const { return herd_dir() / ("profile_" + name_); }

void Profile::create_dirs() const {
  fs::create_directories(security_dir());
  fs::create_directories(log_dir());
  fs::create_directories(run_dir());
  fs::permissions(security_dir(), fs::perms::owner_all, fs::perm_options::replace);
}

ConnectionInfo read_connection_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in)
    throw ConnectionError("no connection file at " + path.string() +
                          ": start a cluster with `herd cluster start` or pass the file's path");
  try {
    const auto j = nlohmann::json::parse(in);
    ConnectionInfo info;
    info.url = j.at("url").get<std::string>();
    info.client_url = j.value("client_url", "");
    info.engine_url = j.value("engine_url", "");
    info.controller_pid = j.value("controller_pid", int64_t{0});
    info.profile = j.value("profile", "");
    return info;
  } catch (const nlohmann::json::exception& e) {
    throw ConnectionError("malformed connection file " + path.string() + ": " + e.what());
  }
}

void write_connection_file(const fs::path& path, const ConnectionInfo& info) {
  const nlohmann::json j = {{"url", info.url},
                            {"client_url", info.client_url},
                            {"engine_url", info.engine_url},
                            {"controller_pid", info.controller_pid},
                            {"profile", info.profile}};
  const fs::path tmp = path.string() + ".tmp";
  {
    const mode_t old_mask = ::umask(077);
    std::ofstream out(tmp, std::ios::trunc);
    ::umask(old_mask);
    if (!out) throw Error("cannot write " + tmp.string());
    out << j.dump(2) << '\n';
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  fs::rename(tmp, path);
}

}  // namespace herd
