// Every bad address is one clear line and a non-zero exit: a malformed URL,
// a host that does not resolve, a --ip that is no address of this host, a
// port in use; and `cluster start` says what the failing process said.
// Before, `herd engine --url notaurl` aborted (exit 134) on an uncaught
// zmq::error_t and a bad --ip said "ports taken (No such device)".
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::RunResult;

class BadAddressTest : public ::testing::Test {
 protected:
  RunResult herd(std::vector<std::string> args) const {
    args.insert(args.begin(), herd::test::herd_binary());
    return herd::test::run_command(args, 20s, {{"HERD_DIR", dir_.path().string()}});
  }
  // The command failed with `code` and said one line, starting "herd", that
  // holds `words`.
  static void expect_one_line(const RunResult& r, int code, const std::string& words) {
    EXPECT_EQ(r.exit_code, code) << r.describe();
    EXPECT_EQ(r.err.rfind("herd", 0), 0u) << r.describe();
    EXPECT_NE(r.err.find(words), std::string::npos) << r.describe();
    const auto newline = r.err.find('\n');
    EXPECT_TRUE(newline == std::string::npos || newline + 1 == r.err.size())
        << "more than one line: " << r.describe();
  }

  herd::test::TempDir dir_{"herd-bad-address-test"};
};

// A TCP port that a socket of this test holds for its life.
class HeldPort {
 public:
  HeldPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd_, 1) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port_ = ntohs(addr.sin_port);
  }
  ~HeldPort() { ::close(fd_); }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

TEST_F(BadAddressTest, EngineWithAMalformedUrl) {
  expect_one_line(herd({"engine", "--url", "notaurl"}), 1, "bad address 'notaurl'");
  expect_one_line(herd({"engine", "--url", "tcp://127.0.0.1"}), 1, "no port");
  expect_one_line(herd({"engine", "--url", "tcp://127.0.0.1:abc"}), 1, "port 'abc' is not a number");
  expect_one_line(herd({"engine", "--url", "tcp://127.0.0.1:70000"}), 1, "out of range");
  expect_one_line(herd({"engine", "--url", "tcp://:5000"}), 1, "no host");
  expect_one_line(herd({"engine", "--url", "http://127.0.0.1:5000"}), 1, "unsupported transport");
}

TEST_F(BadAddressTest, EngineWithAHostThatDoesNotResolve) {
  // .invalid never resolves (RFC 2606).
  expect_one_line(herd({"engine", "--url", "tcp://no-such-host.invalid:5000"}), 1,
                  "host 'no-such-host.invalid' does not resolve");
}

TEST_F(BadAddressTest, SubmitWithABadUrl) {
  expect_one_line(herd({"submit", "--url", "notaurl", "--", "true"}), 125, "bad address 'notaurl'");
  expect_one_line(herd({"submit", "--url", "tcp://no-such-host.invalid:5000", "--", "true"}), 125,
                  "does not resolve");
}

TEST_F(BadAddressTest, ControllerWithABadIp) {
  expect_one_line(herd({"controller", "--ip", "no-such-interface"}), 1,
                  "--ip 'no-such-interface' is neither an IPv4 address nor an interface");
  expect_one_line(herd({"controller", "--ip", "1.2.3"}), 1, "--ip '1.2.3'");
  // TEST-NET-1 (RFC 5737): no host has it.
  expect_one_line(herd({"controller", "--ip", "192.0.2.1"}), 1,
                  "--ip '192.0.2.1' is not an address of this host");
}

TEST_F(BadAddressTest, ClusterStartWithABadIpLeavesNothingBehind) {
  const RunResult r = herd({"cluster", "start", "--n", "1", "--daemonize", "--ip", "no-such-interface",
                            "--profile", "badip", "--timeout", "10"});
  expect_one_line(r, 1, "--ip 'no-such-interface'");
  std::error_code ec;
  const auto run = dir_.path() / "profile_badip" / "run";
  size_t pid_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(run, ec))
    pid_files += entry.path().extension() == ".pid";
  EXPECT_EQ(pid_files, 0u);
}

TEST_F(BadAddressTest, PortInUse) {
  HeldPort held;
  ASSERT_GT(held.port(), 0);
  const std::string port = std::to_string(held.port());
  expect_one_line(herd({"controller", "--client-port", port}), 1,
                  "port " + port + " on 127.0.0.1 is already in use");
  expect_one_line(herd({"cluster", "start", "--n", "1", "--engine-port", port, "--timeout", "10"}),
                  1, "port " + port + " on 127.0.0.1 is already in use");
}

TEST_F(BadAddressTest, ClusterStartSaysWhatTheFailingProcessSaid) {
  // Every engine fails to load its library: the report names the library
  // and the reason, not only the log's path.
  const RunResult r = herd({"cluster", "start", "--n", "1", "--daemonize", "--load",
                            "/no/such/libtasks.so", "--profile", "badlib", "--timeout", "15"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("cannot load task library /no/such/libtasks.so"), std::string::npos)
      << r.describe();
  EXPECT_NE(r.err.find("engine-0.log"), std::string::npos) << r.describe();
}

}  // namespace
