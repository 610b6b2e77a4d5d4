#include "support/ssh_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/launch_checks.hpp"
#include "support/subprocess.hpp"

namespace herd::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr char kSshd[] = "/usr/sbin/sshd";  // sshd re-executes itself: an absolute path
constexpr auto kKeygenBound = 20s;
constexpr auto kListenBound = 10s;
constexpr auto kListenPoll = 50ms;
constexpr auto kStopGrace = 5s;

void generate_key(const fs::path& file) {
  const RunResult r = run_command(
      {program_path("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-f", file.string()},
      kKeygenBound);
  if (r.exit_code != 0) throw std::runtime_error("ssh-keygen failed: " + r.describe());
}

}  // namespace

const std::string& SshServer::unavailable_reason() {
  static const std::string reason = []() -> std::string {
    if (::access(kSshd, X_OK) != 0) return "sshd is not installed (apt-get install openssh-server)";
    for (const char* tool : {"ssh", "ssh-keygen"})
      if (!on_path(tool))
        return std::string(tool) + " is not installed (apt-get install openssh-client)";
    if (!on_path("unshare")) return "unshare is not installed (apt-get install util-linux)";
    return "";
  }();
  return reason;
}

SshServer::SshServer(const std::vector<std::string>& prefix, const std::string& address,
                     const std::string& host_name, const fs::path& dir, const fs::path& herd_dir)
    : dir_(dir) {
  generate_key(dir_ / "host_key");
  generate_key(dir_ / "client_key");
  fs::copy_file(dir_ / "client_key.pub", dir_ / "authorized_keys",
                fs::copy_options::overwrite_existing);
  // sshd's privilege separation needs this empty folder; the package makes
  // it only when its service starts, which it never did here.
  ::mkdir("/run/sshd", 0755);
  const fs::path config = dir_ / "sshd_config";
  {
    std::ofstream out(config);
    out << "Port " << port() << "\nListenAddress " << address << "\nHostKey "
        << (dir_ / "host_key").string() << "\nAuthorizedKeysFile "
        << (dir_ / "authorized_keys").string()
        << "\nPermitRootLogin prohibit-password\nPubkeyAuthentication yes\n"
           "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
           // The test's folders are not private to one user as sshd wants.
           "StrictModes no\nUsePAM no\nPidFile "
        << (dir_ / "sshd.pid").string() << "\nSetEnv HERD_DIR=" << herd_dir.string() << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + config.string());
  }
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), {program_path("unshare"), "--uts", "/bin/sh", "-c",
                           "hostname \"$1\" && exec " + std::string(kSshd) + " -D -e -f \"$2\"",
                           "sh", host_name, config.string()});
  sshd_ = std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{},
                                         dir_ / "sshd.out", dir_ / "sshd.log");
  const auto deadline = std::chrono::steady_clock::now() + kListenBound;
  while (log().find("Server listening on") == std::string::npos) {
    if (!sshd_->running() || std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("sshd did not start: " + sshd_->describe());
    std::this_thread::sleep_for(kListenPoll);
  }
}

SshServer::~SshServer() { sshd_->stop(kStopGrace); }

std::string SshServer::ssh_command() const {
  return "ssh -i " + (dir_ / "client_key").string() + " -p " + std::to_string(port()) +
         " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
         " -o LogLevel=ERROR";
}

std::string SshServer::log() const { return read_text(dir_ / "sshd.log"); }

}  // namespace herd::test
