// Hosts for multi-host tests on one machine: network namespaces joined by
// veth pairs to a bridge in a namespace of their own, with private
// addresses. Nothing is added to the root namespace: both ends of each veth
// pair go straight into namespaces, so the test's traffic stays among them.
//
// Names carry the test's pid (herd<pid>h1, herd<pid>sw), so concurrent
// tests do not collide, and a namespace whose test died (ctest kills a test
// with SIGKILL at its TIMEOUT) is removed by the next test that makes some.
// Not thread-safe; one owner.
#pragma once

#include <string>
#include <vector>

namespace herd::test {

class NetworkNamespaces {
 public:
  // Why namespaces cannot be made here (not root, no `ip`, `ip netns add`
  // refused), or "" if they can. Checked once per process, by trying.
  static const std::string& unavailable_reason();

  // Creates `hosts` namespaces, 1 to `hosts`, on the subnet 10.213.X.0/24
  // (X from the pid), host i at 10.213.X.i, every link and lo up. Throws
  // std::runtime_error naming the failed command; whatever was made is
  // removed first.
  explicit NetworkNamespaces(int hosts);
  // Deletes every namespace (and with them the veth pairs and bridge).
  // Processes still running inside keep their namespace alive but
  // unreachable: stop them first.
  ~NetworkNamespaces();
  NetworkNamespaces(const NetworkNamespaces&) = delete;
  NetworkNamespaces& operator=(const NetworkNamespaces&) = delete;

  int hosts() const { return static_cast<int>(names_.size()); }
  const std::string& name(int host) const { return names_.at(index(host)); }
  const std::string& address(int host) const { return addresses_.at(index(host)); }
  // The argv prefix that runs a command inside host's namespace:
  // {"/usr/sbin/ip", "netns", "exec", NAME}; `ip` execs the command in its
  // own process, so the pid of what is started this way is the command's.
  std::vector<std::string> exec_prefix(int host) const;
  // Takes host's link down (a partition: its packets are dropped, its TCP
  // connections are not reset) or up again.
  void set_link(int host, bool up);

 private:
  size_t index(int host) const { return static_cast<size_t>(host - 1); }
  void make(int hosts);
  void remove_all();

  std::string switch_name_;
  std::vector<std::string> names_;
  std::vector<std::string> addresses_;
  std::vector<std::string> bridge_ports_;  // host i's veth end on the bridge
};

}  // namespace herd::test
