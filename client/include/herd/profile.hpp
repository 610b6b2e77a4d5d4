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
  std::filesystem::path supervisor_file() const { return security_dir() / "supervisor.json"; }
  // Creates the folders, each with mode 0700: logs, pid files and keys are
  // for the cluster's user only.
  void create_dirs() const;

 private:
  std::string name_;
};

// CurveZMQ keys (Z85 text, 40 characters each) for one peer: the
// controller's public key and this peer's own key pair. All empty for an
// insecure cluster.
struct CurveKeys {
  std::string server_public;
  std::string public_key;
  std::string secret_key;
  bool enabled() const { return !server_public.empty(); }
};

// The contents of client.json, engine.json and supervisor.json (or of
// $HERD_CONNECTION_INFO). `url` is the address the reader of that file
// connects to; `role` is "client", "engine" or "supervisor".
struct ConnectionInfo {
  std::string url;
  std::string client_url;
  std::string engine_url;
  int64_t controller_pid = 0;
  std::string profile;
  std::string role;
  std::string host;            // the controller's host name, for the pid check
  int64_t supervisor_pid = 0;  // the `herd cluster start` that runs it; 0: none
  CurveKeys curve;
};

// Which file of a profile, and which key, a peer uses.
enum class ConnectionRole { kClient, kEngine, kSupervisor };

// Reads a connection file. Throws ConnectionError naming the path when it is
// missing, malformed, not a regular file, or readable by group or others
// (the message gives the chmod that fixes it, as ssh does).
ConnectionInfo read_connection_file(const std::filesystem::path& path);
// Parses the JSON of a connection file; `origin` names it in errors.
ConnectionInfo parse_connection_info(const std::string& json, const std::string& origin);
// Where a peer finds its connection info: `file` if given, else the JSON in
// $HERD_CONNECTION_INFO, else the profile's file for `role`. Throws
// ConnectionError.
ConnectionInfo find_connection_info(const std::filesystem::path& file, const Profile& profile,
                                    ConnectionRole role);
// Writes atomically with mode 0600.
void write_connection_file(const std::filesystem::path& path, const ConnectionInfo& info);

}  // namespace herd
