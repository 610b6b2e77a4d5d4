// Telling the controller at once that an engine process died, so that its
// tasks are retried or failed now instead of after the heartbeat timeout.
// The supervisor sends one ENGINE_DIED message per death to the controller's
// client address (read from the profile's client.json); the controller
// matches it to a live engine by pid and host and gives that engine up.
//
// The ZeroMQ context is created on first use, so a supervisor that forks
// (daemonize) must do so before; starting children with posix_spawn later
// is fine.
//
// Not thread-safe: one thread drives it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

namespace herd::cli {

class DeathNotice {
 public:
  // `connection_file`: the supervisor's connection file (supervisor.json),
  // whose key is the only one the controller believes about deaths.
  explicit DeathNotice(std::filesystem::path connection_file);
  // Gives pending notices up to kLinger to leave.
  ~DeathNotice();
  DeathNotice(const DeathNotice&) = delete;
  DeathNotice& operator=(const DeathNotice&) = delete;

  // Connects now, so that the first notice does not wait for the TCP and
  // ZeroMQ handshakes. Failures are logged; a later send() tries again.
  void connect();

  // Tells the controller that the engine process `pid` on this host died;
  // `how` says how ("killed by SIGKILL"). Never blocks and never throws: a
  // notice that cannot be queued is logged and dropped (the controller's
  // heartbeats still notice the death).
  void send(pid_t pid, const std::string& how);

 private:
  struct Connection;

  const std::filesystem::path connection_file_;
  std::unique_ptr<Connection> connection_;  // null until connected
};

}  // namespace herd::cli
