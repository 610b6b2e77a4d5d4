#include "support/netns.hpp"

#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include "support/subprocess.hpp"

namespace herd::test {

namespace {

constexpr auto kIpTimeout = std::chrono::seconds(10);

// Where Debian and others install iproute2's `ip`; "" if nowhere.
const std::string& ip_binary() {
  static const std::string path = [] {
    for (const char* candidate : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
      if (::access(candidate, X_OK) == 0) return std::string(candidate);
    return std::string();
  }();
  return path;
}

RunResult ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv{ip_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, kIpTimeout);
}

std::string joined(const std::vector<std::string>& args) {
  std::string s = "ip";
  for (const auto& a : args) s += " " + a;
  return s;
}

void ip_or_throw(const std::vector<std::string>& args) {
  const RunResult r = ip(args);
  if (r.exit_code != 0) throw std::runtime_error(joined(args) + " failed: " + r.describe());
}

std::string prefix() { return "herd" + std::to_string(::getpid()); }

// Namespaces named herd<pid>… whose test process is gone: left behind by a
// test that was killed before its destructors ran.
void remove_stale_namespaces() {
  const RunResult r = ip({"netns", "list"});
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    // "herd<pid>h1 (id: 3)": ours if "herd" is followed by a pid.
    const std::string name = line.substr(0, line.find(' '));
    if (name.rfind("herd", 0) != 0) continue;
    const size_t digits = name.find_first_not_of("0123456789", 4);
    if (digits == 4 || digits == std::string::npos) continue;
    const pid_t owner = static_cast<pid_t>(std::stol(name.substr(4, digits - 4)));
    if (owner != ::getpid() && !process_alive(owner)) ip({"netns", "del", name});
  }
}

}  // namespace

const std::string& NetworkNamespaces::unavailable_reason() {
  static const std::string reason = []() -> std::string {
    if (ip_binary().empty()) return "iproute2's `ip` is not installed (apt-get install iproute2)";
    if (::geteuid() != 0) return "network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN)";
    const std::string probe = prefix() + "probe";
    const RunResult r = ip({"netns", "add", probe});
    if (r.exit_code != 0) return "`ip netns add` is not permitted here: " + r.err;
    ip({"netns", "del", probe});
    return "";
  }();
  return reason;
}

NetworkNamespaces::NetworkNamespaces(int hosts) {
  if (hosts < 1 || hosts > 200) throw std::invalid_argument("NetworkNamespaces: 1 to 200 hosts");
  remove_stale_namespaces();
  try {
    make(hosts);
  } catch (...) {
    remove_all();
    throw;
  }
}

NetworkNamespaces::~NetworkNamespaces() { remove_all(); }

void NetworkNamespaces::make(int hosts) {
  const std::string p = prefix();
  // A subnet per test process, so that addresses in logs tell tests apart.
  const std::string subnet = "10.213." + std::to_string(1 + ::getpid() % 250) + ".";
  switch_name_ = p + "sw";
  ip_or_throw({"netns", "add", switch_name_});
  ip_or_throw({"-n", switch_name_, "link", "add", "br0", "type", "bridge"});
  ip_or_throw({"-n", switch_name_, "link", "set", "br0", "up"});
  for (int i = 1; i <= hosts; ++i) {
    const std::string host = p + "h" + std::to_string(i);
    ip_or_throw({"netns", "add", host});
    names_.push_back(host);
    // Interface names have at most 15 characters: "hd" + pid + "h"/"s" + i.
    const std::string inside = "hd" + std::to_string(::getpid()) + "h" + std::to_string(i);
    const std::string port = "hd" + std::to_string(::getpid()) + "s" + std::to_string(i);
    ip_or_throw({"link", "add", inside, "netns", host, "type", "veth", "peer", "name", port,
                 "netns", switch_name_});
    bridge_ports_.push_back(port);
    ip_or_throw({"-n", switch_name_, "link", "set", port, "master", "br0"});
    ip_or_throw({"-n", switch_name_, "link", "set", port, "up"});
    addresses_.push_back(subnet + std::to_string(i));
    ip_or_throw({"-n", host, "addr", "add", addresses_.back() + "/24", "dev", inside});
    ip_or_throw({"-n", host, "link", "set", inside, "up"});
    ip_or_throw({"-n", host, "link", "set", "lo", "up"});
  }
}

void NetworkNamespaces::remove_all() {
  for (const auto& name : names_) ip({"netns", "del", name});
  if (!switch_name_.empty()) ip({"netns", "del", switch_name_});
  names_.clear();
  switch_name_.clear();
}

std::vector<std::string> NetworkNamespaces::exec_prefix(int host) const {
  return {ip_binary(), "netns", "exec", name(host)};
}

void NetworkNamespaces::set_link(int host, bool up) {
  ip_or_throw(
      {"-n", switch_name_, "link", "set", bridge_ports_.at(index(host)), up ? "up" : "down"});
}

}  // namespace herd::test
