#include "herd/profile.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "herd/error.hpp"
#include "proto/private_file.hpp"

namespace herd {

namespace fs = std::filesystem;

namespace {

constexpr auto kOwnerOnly = fs::perms::owner_all;
constexpr auto kEnvVar = "HERD_CONNECTION_INFO";

std::string role_name(ConnectionRole role) {
  switch (role) {
    case ConnectionRole::kEngine:
      return "engine";
    case ConnectionRole::kSupervisor:
      return "supervisor";
    case ConnectionRole::kClient:
      break;
  }
  return "client";
}

// Like ssh with a private key: a secret others can read is no secret, and
// using it anyway would hide that.
void check_private(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw ConnectionError("no connection file at " + path.string() +
                          ": start a cluster with `herd cluster start` or pass the file's path");
  if (!S_ISREG(st.st_mode))
    throw ConnectionError("connection file " + path.string() + " is not a regular file");
  if ((st.st_mode & 077) != 0)
    throw ConnectionError(fmt::format(
        "connection file {} is readable by others (mode {:04o}), so its keys are not secret: run "
        "`chmod 600 {}`",
        path.string(), st.st_mode & 07777, path.string()));
}

}  // namespace

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
  for (const fs::path& d : {dir(), security_dir(), log_dir(), run_dir()}) {
    fs::create_directories(d);
    fs::permissions(d, kOwnerOnly, fs::perm_options::replace);
  }
}

ConnectionInfo parse_connection_info(const std::string& json, const std::string& origin) {
  try {
    const auto j = nlohmann::json::parse(json);
    ConnectionInfo info;
    info.url = j.at("url").get<std::string>();
    info.client_url = j.value("client_url", "");
    info.engine_url = j.value("engine_url", "");
    info.controller_pid = j.value("controller_pid", int64_t{0});
    info.profile = j.value("profile", "");
    info.role = j.value("role", "");
    info.host = j.value("host", "");
    info.supervisor_pid = j.value("supervisor_pid", int64_t{0});
    info.curve.server_public = j.value("server_key", "");
    info.curve.public_key = j.value("public_key", "");
    info.curve.secret_key = j.value("secret_key", "");
    const size_t keys = !info.curve.server_public.empty() + !info.curve.public_key.empty() +
                        !info.curve.secret_key.empty();
    if (keys != 0 && keys != 3)
      throw ConnectionError("malformed connection info in " + origin +
                            ": server_key, public_key and secret_key go together");
    return info;
  } catch (const nlohmann::json::exception& e) {
    throw ConnectionError("malformed connection info in " + origin + ": " + e.what());
  }
}

ConnectionInfo read_connection_file(const fs::path& path) {
  check_private(path);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw ConnectionError("cannot read connection file " + path.string());
  return parse_connection_info(text.str(), path.string());
}

ConnectionInfo find_connection_info(const fs::path& file, const Profile& profile,
                                    ConnectionRole role) {
  if (!file.empty()) return read_connection_file(file);
  if (const char* json = std::getenv(kEnvVar); json && *json)
    return parse_connection_info(json, std::string("$") + kEnvVar);
  const fs::path own = profile.security_dir() / (role_name(role) + ".json");
  return read_connection_file(own);
}

void write_connection_file(const fs::path& path, const ConnectionInfo& info) {
  nlohmann::json j = {{"url", info.url},
                      {"client_url", info.client_url},
                      {"engine_url", info.engine_url},
                      {"controller_pid", info.controller_pid},
                      {"profile", info.profile},
                      {"role", info.role},
                      {"host", info.host},
                      {"supervisor_pid", info.supervisor_pid}};
  if (info.curve.enabled()) {
    j["server_key"] = info.curve.server_public;
    j["public_key"] = info.curve.public_key;
    j["secret_key"] = info.curve.secret_key;
  }
  try {
    wire::write_private_file(path, j.dump(2) + '\n');
  } catch (const std::runtime_error& e) {
    throw Error(e.what());
  }
}

}  // namespace herd
