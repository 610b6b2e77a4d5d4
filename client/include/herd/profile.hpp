// Where a cluster keeps its files: $HERD_DIR (default ~/.herd) holds one
// folder per profile, profile_<name>/ with security/ (connection files, 0600),
// log/ and run/ (pid files).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace herd {

std::filesystem::path herd_dir();
// $HERD_PROFILE, or "default".
std::string default_profile_name();

class Profile {
 public:
  explicit Profile(std::string name = default_profile_name());
  const std::string& name() const { return name_; }
  std::filesystem::path dir() const;
  std::filesystem::path security_dir() const { return dir() / "security"; }
  std::filesystem::path log_dir() const { return dir() / "log"; }
  std::filesystem::path run_dir() const { return dir() / "run"; }
  std::filesystem::path client_file() const { return security_dir() / "client.json"; }
  std::filesystem::path engine_file() const { return security_dir() / "engine.json"; }
  // Creates the folders (security/ with mode 0700).
  void create_dirs() const;

 private:
  std::string name_;
};

// The contents of client.json and engine.json. `url` is the address the
// reader of that file connects to.
struct ConnectionInfo {
  std::string url;
  std::string client_url;
  std::string engine_url;
  int64_t controller_pid = 0;
  std::string profile;
};

// Throws ConnectionError with the path when missing or malformed.
ConnectionInfo read_connection_file(const std::filesystem::path& path);
// Writes atomically with mode 0600.
void write_connection_file(const std::filesystem::path& path, const ConnectionInfo& info);

}  // namespace herd
