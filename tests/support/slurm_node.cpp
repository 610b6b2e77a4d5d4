#include "support/slurm_node.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/launch_checks.hpp"
#include "support/subprocess.hpp"

namespace herd::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kIdleBound = 30s;
constexpr char kMungeKey[] = "/etc/munge/munge.key";

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  if (port == 0) throw std::runtime_error("no free port for Slurm");
  return port;
}

std::string short_host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string name(host);
  return name.substr(0, name.find('.'));
}

std::string required(const std::string& name) {
  const std::string path = program_path(name);
  if (path.empty()) throw std::runtime_error(name + " is not installed");
  return path;
}

}  // namespace

std::string SingleNodeSlurm::unavailable_reason() {
  for (const char* program :
       {"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo", "srun", "setpriv"})
    if (!on_path(program))
      return std::string(program) + " is not installed (apt-get install slurm-wlm munge)";
  if (::geteuid() != 0) return "slurmd must run as root";
  if (!fs::exists(kMungeKey)) return std::string("no ") + kMungeKey + " (mungekey --create)";
  return "";
}

SingleNodeSlurm::SingleNodeSlurm() {
  // munged insists that every folder above its socket be searchable by all.
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_exec |
                                   fs::perms::group_read | fs::perms::others_exec |
                                   fs::perms::others_read);
  const fs::path munge = dir_.path() / "munge";
  const RunResult made = run_command(
      {required("install"), "-d", "-o", "munge", "-g", "munge", "-m", "755", munge.string()}, 10s);
  if (made.exit_code != 0) throw std::runtime_error("cannot make " + munge.string());
  fs::create_directories(dir_.path() / "state");
  fs::create_directories(dir_.path() / "spool");
  write_conf();
  ::setenv("SLURM_CONF", conf_.c_str(), 1);
  const auto out = [&](const std::string& name) { return dir_.path() / (name + ".out"); };
  munged_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{
          required("setpriv"), "--reuid", "munge", "--regid", "munge", "--init-groups",
          required("munged"), "-F", "--socket", (munge / "munge.sock").string(), "--key-file",
          kMungeKey, "--pid-file", (munge / "munged.pid").string(), "--seed-file",
          (munge / "seed").string(), "--log-file", (munge / "munged.log").string()},
      std::map<std::string, std::string>{}, out("munged"), out("munged"));
  slurmctld_ = std::make_unique<ChildProcess>(std::vector<std::string>{required("slurmctld"), "-D"},
                                              std::map<std::string, std::string>{},
                                              out("slurmctld"), out("slurmctld"));
  slurmd_ = std::make_unique<ChildProcess>(std::vector<std::string>{required("slurmd"), "-D"},
                                           std::map<std::string, std::string>{}, out("slurmd"),
                                           out("slurmd"));
  wait_idle();
}

SingleNodeSlurm::~SingleNodeSlurm() {
  for (auto* daemon : {&slurmd_, &slurmctld_, &munged_})
    if (*daemon) (*daemon)->stop(5s);
  ::unsetenv("SLURM_CONF");
}

void SingleNodeSlurm::write_conf() {
  conf_ = dir_.path() / "slurm.conf";
  const std::string host = short_host_name();
  const fs::path& d = dir_.path();
  std::ofstream out(conf_);
  out << "ClusterName=herdtest\n"
      << "SlurmctldHost=" << host << "(127.0.0.1)\n"
      << "SlurmctldPort=" << free_port() << "\nSlurmdPort=" << free_port() << "\n"
      << "SlurmUser=root\nSlurmdUser=root\nAuthType=auth/munge\n"
      << "AuthInfo=socket=" << (d / "munge" / "munge.sock").string() << "\n"
      << "StateSaveLocation=" << (d / "state").string() << "\n"
      << "SlurmdSpoolDir=" << (d / "spool").string() << "\n"
      << "SlurmctldPidFile=" << (d / "slurmctld.pid").string() << "\n"
      << "SlurmdPidFile=" << (d / "slurmd.pid").string() << "\n"
      << "SlurmctldLogFile=" << (d / "slurmctld.log").string() << "\n"
      << "SlurmdLogFile=" << (d / "slurmd.log").string() << "\n"
      << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
      << "SelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\nMpiDefault=none\n"
      << "ReturnToService=2\nMailProg=/bin/true\nJobCompType=jobcomp/none\n"
      << "AccountingStorageType=accounting_storage/none\n"
      << "NodeName=" << host << " NodeAddr=127.0.0.1 CPUs=" << std::thread::hardware_concurrency()
      << " State=UNKNOWN\n"
      << "PartitionName=debug Nodes=" << host << " Default=YES MaxTime=INFINITE State=UP\n";
  if (!out.flush()) throw std::runtime_error("cannot write " + conf_.string());
}

void SingleNodeSlurm::wait_idle() {
  const auto deadline = std::chrono::steady_clock::now() + kIdleBound;
  while (std::chrono::steady_clock::now() < deadline) {
    const RunResult r = run_command({required("sinfo"), "--noheader", "--format", "%T"}, 10s);
    if (r.exit_code == 0 && r.out.rfind("idle", 0) == 0) return;
    std::this_thread::sleep_for(200ms);
  }
  throw std::runtime_error("the test's Slurm node did not become idle within 30 s\n" + logs());
}

std::vector<std::string> SingleNodeSlurm::queue() const {
  const RunResult r = run_command({required("squeue"), "--noheader", "--format", "%i %T"}, 10s);
  std::vector<std::string> jobs;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) jobs.push_back(line);
  return jobs;
}

std::string SingleNodeSlurm::logs() const {
  std::string out;
  for (const char* name :
       {"munged.out", "slurmctld.out", "slurmd.out", "slurmctld.log", "slurmd.log"})
    out += std::string("--- ") + name + "\n" + read_text(dir_.path() / name);
  return out;
}

}  // namespace herd::test
