// A real OpenSSH server (sshd, from openssh-server) for launcher tests: it
// runs in the foreground as the test's child, with a configuration, host
// key, client key and authorized_keys of its own in a folder of the test,
// inside whatever `prefix` puts it (a network namespace: support/netns.hpp)
// and with a host name of its own (a UTS namespace), as a machine of its
// own would. Root logs in by key only. The sessions it starts get HERD_DIR
// set to `herd_dir` (sshd_config SetEnv), that machine's own herd folder.
// Not thread-safe; one owner.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace herd::test {

class SshServer {
 public:
  // Why a server cannot be run here (sshd, ssh, ssh-keygen or unshare
  // missing), or "".
  static const std::string& unavailable_reason();

  // Generates the keys into `dir`, starts `prefix… unshare --uts sh -c
  // 'hostname HOST && exec /usr/sbin/sshd -D -e -f CONFIG'` listening on
  // `address`:port(), and waits until it listens. Throws std::runtime_error
  // with sshd's own words if it does not.
  SshServer(const std::vector<std::string>& prefix, const std::string& address,
            const std::string& host_name, const std::filesystem::path& dir,
            const std::filesystem::path& herd_dir);
  // Stops sshd by its pid (SIGTERM, then SIGKILL).
  ~SshServer();
  SshServer(const SshServer&) = delete;
  SshServer& operator=(const SshServer&) = delete;

  // Its namespace is its own, so a fixed port collides with nothing.
  static constexpr int port() { return 2222; }
  // `ssh -i KEY -p PORT -o …`: the --ssh-command that logs in here by key,
  // without a question or a known_hosts file.
  std::string ssh_command() const;
  // sshd's log (its stderr), for failure messages.
  std::string log() const;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> sshd_;
};

}  // namespace herd::test
