// The ssh launcher. For each host of --hosts it runs
//   <ssh-command> HOST '<remote-herd> cluster host --profile P.HOST --n K --load … --daemonize'
// with the engine connection info (engine.json's content) on standard
// input: never on a command line (ps) or in the environment (sshd drops or
// logs it). The host supervisor writes it to its own profile's engine.json
// (0600), starts its engines, reports and leaves the ssh session: a dropped
// link touches neither it nor its engines, which reconnect on their own
// (the controller takes a known engine back as the same one).
//
// `herd cluster engines --n N` on such a cluster spreads its N engines over
// the cluster's hosts in turn, from the first (a,b=4,c and --n 4: 2 on a,
// 1 on b, 1 on c), and starts a new host supervisor on each host that gets
// any, in profile P.HOST+TAG: a host runs one supervisor per profile.
//
// Stop: `<ssh-command> HOST '<remote-herd> cluster stop --profile P.HOST'`
// for every host at once; a host that cannot be reached is named, and the
// record stays so that a later `herd cluster stop` tries it again.
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <cctype>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "launcher.hpp"
#include "process.hpp"
#include "program.hpp"

namespace herd::cli {

namespace {

using std::chrono::milliseconds;
using Json = nlohmann::json;

constexpr long kMaxEnginesPerHost = 4096;

struct Host {
  std::string name;     // as given: what ssh connects to
  std::string profile;  // the host supervisor's profile there
  long engines = 1;
};

// The host's profile: the cluster's, named for the host, so that a host
// supervisor on the controller's own machine keeps apart from it.
std::string host_profile(const std::string& cluster, const std::string& host) {
  std::string name = cluster + ".";
  for (char c : host)
    name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return name;
}

std::vector<Host> parse_hosts(const CommandLine& cl, const std::string& profile,
                              const std::string& suffix) {
  if (!cl.has("hosts")) cl.fail("--launcher ssh needs --hosts (a,b=4,c)");
  std::vector<Host> hosts;
  std::set<std::string> seen;
  std::istringstream list(cl.text("hosts"));
  for (std::string item; std::getline(list, item, ',');) {
    if (item.empty()) continue;
    Host host;
    host.name = item.substr(0, item.find('='));
    if (const auto eq = item.find('='); eq != std::string::npos) {
      try {
        size_t used = 0;
        host.engines = std::stol(item.substr(eq + 1), &used);
        if (used != item.size() - eq - 1) host.engines = 0;
      } catch (const std::exception&) {
        host.engines = 0;
      }
      if (host.engines < 1 || host.engines > kMaxEnginesPerHost)
        cl.fail("--hosts: '" + item + "' needs 1 to " + std::to_string(kMaxEnginesPerHost) +
                " engines after '='");
    }
    if (host.name.empty() || host.name.front() == '-')
      cl.fail("--hosts: bad host name in '" + item + "'");
    if (!seen.insert(host.name).second) cl.fail("--hosts: " + host.name + " is given twice");
    host.profile = host_profile(profile, host.name) + suffix;
    hosts.push_back(std::move(host));
  }
  if (hosts.empty()) cl.fail("--hosts names no host");
  return hosts;
}

// `engines` engines dealt to `hosts` in turn, from the first; hosts dealt
// none are left out.
std::vector<Host> spread(std::vector<Host> hosts, long engines) {
  for (auto& host : hosts) host.engines = 0;
  for (long i = 0; i < engines; ++i) ++hosts[static_cast<size_t>(i) % hosts.size()].engines;
  std::erase_if(hosts, [](const Host& h) { return h.engines == 0; });
  return hosts;
}

// The ssh command line that runs `remote` on `host`: ssh hands the remote
// shell one line, so the words are quoted for it.
std::vector<std::string> over_ssh(const std::vector<std::string>& ssh, const std::string& host,
                                  const std::vector<std::string>& remote) {
  std::vector<std::string> argv = ssh;
  argv.push_back(host);
  argv.push_back(shell_line(remote));
  return argv;
}

std::string failure(const std::string& host, Program& program, const std::optional<int>& status) {
  std::string what = status ? "`" + program.name() + "` " + exit_cause(*status) : "no answer";
  if (const auto line = program.last_line(); !line.empty()) what += ": " + line;
  return "host " + host + ": " + what;
}

class SshLauncher : public Launcher {
 public:
  SshLauncher(LaunchContext context, std::vector<std::string> ssh, std::string remote_herd,
              std::vector<Host> hosts)
      : context_(std::move(context)),
        ssh_(std::move(ssh)),
        remote_herd_(std::move(remote_herd)),
        hosts_(std::move(hosts)) {}

  void start() override {
    write_launch_record(context_, record());
    std::ifstream in(context_.profile.engine_file());
    std::stringstream info;
    info << in.rdbuf();
    for (const auto& host : hosts_) {
      auto remote = host_supervisor_arguments(context_, host.profile, host.engines);
      remote.insert(remote.begin(), remote_herd_);
      remote.push_back("--daemonize");
      spdlog::info("starting {} engine(s) on {}", host.engines, host.name);
      starting_.emplace(host.name,
                        std::make_unique<Program>(over_ssh(ssh_, host.name, remote), info.str()));
    }
  }

  int engines() const override {
    int n = 0;
    for (const auto& host : hosts_) n += static_cast<int>(host.engines);
    return n;
  }

  std::string trouble() override {
    for (auto it = starting_.begin(); it != starting_.end();) {
      const auto status = it->second->poll();
      if (!status) {
        ++it;
        continue;
      }
      if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) {
        spdlog::info("host {}: {}", it->first, it->second->last_line());
        it = starting_.erase(it);
        continue;
      }
      std::string what = failure(it->first, *it->second, status);
      starting_.erase(it);
      return what;
    }
    return "";
  }

  std::vector<std::string> stop(milliseconds bound) override {
    starting_.clear();  // a start still under way is cut short
    auto left = stop_recorded_ssh(record(), bound);
    if (left.empty()) remove_launch_record(context_);
    return left;
  }

 private:
  Json record() const {
    Json hosts = Json::array();
    for (const auto& h : hosts_)
      hosts.push_back({{"host", h.name}, {"profile", h.profile}, {"engines", h.engines}});
    return {{"launcher", "ssh"},
            {"ssh_command", ssh_},
            {"remote_herd", remote_herd_},
            {"hosts", hosts}};
  }

  LaunchContext context_;
  std::vector<std::string> ssh_;
  std::string remote_herd_;
  std::vector<Host> hosts_;
  std::map<std::string, std::unique_ptr<Program>> starting_;  // by host, until each reports
};

}  // namespace

std::unique_ptr<Launcher> make_ssh_launcher(const CommandLine& cl, LaunchContext context) {
  auto ssh = split_words(cl.text("ssh-command"));
  if (ssh.empty()) cl.fail("--ssh-command is empty");
  auto hosts = parse_hosts(cl, context.profile.name(), tag_suffix(context));
  if (!context.tag.empty()) hosts = spread(std::move(hosts), context.engines);
  return std::make_unique<SshLauncher>(std::move(context), std::move(ssh), cl.text("remote-herd"),
                                       std::move(hosts));
}

std::vector<std::string> stop_recorded_ssh(const Json& record, milliseconds bound) {
  const auto ssh = record.at("ssh_command").get<std::vector<std::string>>();
  const auto herd = record.at("remote_herd").get<std::string>();
  // Each host's own stop gets most of the bound to stop its engines.
  const auto remote_timeout = std::max(milliseconds(1000), bound * 3 / 4);
  std::map<std::string, std::unique_ptr<Program>> stopping;
  std::vector<std::string> left;
  for (const auto& host : record.at("hosts")) {
    const auto name = host.at("host").get<std::string>();
    const std::vector<std::string> remote = {
        herd,
        "cluster",
        "stop",
        "--profile",
        host.at("profile").get<std::string>(),
        "--timeout",
        std::to_string(static_cast<double>(remote_timeout.count()) / 1000)};
    try {
      stopping.emplace(name, std::make_unique<Program>(over_ssh(ssh, name, remote)));
    } catch (const std::exception& e) {
      left.push_back("host " + name + ": " + e.what());
    }
  }
  const auto deadline = Program::Clock::now() + bound;
  for (auto& [name, program] : stopping) {
    const auto status = program->finish(deadline);
    if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      spdlog::debug("host {}: {}", name, program->last_line());
    else
      left.push_back(failure(name, *program, status));
  }
  return left;
}

}  // namespace herd::cli
