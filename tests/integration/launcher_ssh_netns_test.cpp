// The ssh launcher across hosts, over real ssh: network namespaces
// (support/netns.hpp) stand for the machines, and h2 runs a real sshd
// (support/ssh_server.hpp) on a port of its own, with keys the test
// generates, a host name of its own and a herd folder of its own. The
// controller runs in h1; `--hosts <h2's address>=2` starts h2's host
// supervisor over ssh, whose two engines register from h2; h2's link goes
// down (they are lost) and up again: the same engines register again,
// once each, and nothing new was started; stop leaves nothing on h2.
// `herd cluster engines --n N` on that cluster starts its engines on h2
// too, through the same launcher, and stop stops them as well.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "support/launch_checks.hpp"
#include "support/netns.hpp"
#include "support/ssh_server.hpp"
#include "support/status_json.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"

namespace {

namespace fs = std::filesystem;
using herd::test::NetworkNamespaces;
using herd::test::RunResult;
using herd::test::SshServer;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr char kProfile[] = "netssh";
constexpr char kH2Name[] = "h2";
constexpr auto kLossBound = 15s;
// TCP retransmits back off while the link is down.
constexpr auto kRejoinBound = 40s;

class SshNetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string& reason = NetworkNamespaces::unavailable_reason();
    if (!reason.empty()) GTEST_SKIP() << "network namespaces cannot be created here: " << reason;
    if (const auto& why = SshServer::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    net_ = std::make_unique<NetworkNamespaces>(2);
    fs::create_directories(h2_dir_);
    fs::create_directories(sshd_dir_);
    sshd_ = std::make_unique<SshServer>(net_->exec_prefix(2), net_->address(2), kH2Name, sshd_dir_,
                                        h2_dir_);
  }

  void TearDown() override {
    if (!net_) return;
    if (HasFailure()) std::cerr << logs() << "--- sshd\n" << (sshd_ ? sshd_->log() : "");
    in_h1({"cluster", "stop", "--profile", kProfile});
  }

  RunResult in_h1(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = net_->exec_prefix(1);
    argv.push_back(herd::test::herd_binary());
    argv.insert(argv.end(), args.begin(), args.end());
    return herd::test::run_command(argv, 60s, {{"HERD_DIR", dir_.path().string()}});
  }

  // `herd cluster start --launcher ssh --hosts HOSTS` in h1, its controller
  // on h1's address, over the real ssh to h2's sshd.
  RunResult start_cluster(const std::string& hosts) const {
    return in_h1({"cluster",
                  "start",
                  "--daemonize",
                  "--profile",
                  kProfile,
                  "--ip",
                  net_->address(1),
                  "--heartbeat-interval",
                  "200",
                  "--heartbeat-misses",
                  "5",
                  "--timeout",
                  "30",
                  "--load",
                  herd::test::test_tasks_library(),
                  "--launcher",
                  "ssh",
                  "--hosts",
                  hosts,
                  "--ssh-command",
                  sshd_->ssh_command(),
                  "--remote-herd",
                  herd::test::herd_binary()});
  }

  std::optional<Json> status() const {
    const RunResult r = in_h1({"status", "--json", "--timeout", "3", "--profile", kProfile});
    if (r.exit_code != 0) return std::nullopt;
    Json j = Json::parse(r.out, nullptr, false);
    return j.is_discarded() ? std::nullopt : std::optional<Json>(j);
  }

  template <class Pred>
  std::optional<Json> wait_for_status(Pred pred, std::chrono::milliseconds bound) const {
    return herd::test::poll_status([this] { return status(); }, pred, bound, 100ms);
  }

  static std::map<int64_t, int> live(const Json& s) { return herd::test::live_engine_counts(s); }

  std::string logs() const {
    std::string out;
    for (const auto& entry : fs::recursive_directory_iterator(dir_.path()))
      if (entry.path().extension() == ".log")
        out += "--- " + entry.path().string() + "\n" + herd::test::read_text(entry.path());
    return out;
  }

  herd::test::TempDir dir_{"herd-ssh-netns-test"};  // h1's HERD_DIR, and h2's below it
  const fs::path h2_dir_ = dir_.path() / "h2";
  const fs::path sshd_dir_ = dir_.path() / "sshd";
  std::unique_ptr<NetworkNamespaces> net_;
  std::unique_ptr<SshServer> sshd_;  // stopped before the namespaces go
};

TEST_F(SshNetnsTest, EnginesOnAnotherHostOutliveALinkDownAndRegisterOnceAgain) {
  const std::string h2 = net_->address(2);
  const RunResult start = start_cluster(h2 + "=2");
  ASSERT_EQ(start.exit_code, 0) << start.describe();
  const auto up = status();
  ASSERT_TRUE(up);
  const auto engines = live(*up);
  ASSERT_EQ(engines.size(), 2u) << up->dump();
  for (const auto& e : up->at("engines")) EXPECT_EQ(e.at("host"), kH2Name) << up->dump();
  // In h2's own herd folder, under the profile named for the host.
  const auto remote = herd::test::profile_pids(h2_dir_, std::string(kProfile) + "." + h2);
  ASSERT_EQ(remote.size(), 3u);  // the host supervisor and its two engines

  net_->set_link(2, false);
  ASSERT_TRUE(wait_for_status([](const Json& s) { return live(s).empty(); }, kLossBound))
      << "h2's engines were not declared lost";
  net_->set_link(2, true);
  const auto back =
      wait_for_status([&](const Json& s) { return live(s) == engines; }, kRejoinBound);
  ASSERT_TRUE(back) << "h2's engines did not register again, once each";
  EXPECT_EQ(herd::test::wait_until_gone(remote, 0ms).size(), remote.size())
      << "a process on h2 ended while the link was down";

  const RunResult stop = in_h1({"cluster", "stop", "--profile", kProfile});
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_TRUE(herd::test::wait_until_gone(remote, 10s).empty()) << "h2 kept a process";
}

TEST_F(SshNetnsTest, EnginesAddedToTheClusterComeFromItsLauncherAndStopWithIt) {
  const std::string h2 = net_->address(2);
  const RunResult start = start_cluster(h2 + "=1");
  ASSERT_EQ(start.exit_code, 0) << start.describe();
  const auto first = herd::test::profile_pids(h2_dir_, std::string(kProfile) + "." + h2);
  ASSERT_EQ(first.size(), 2u);  // the host supervisor and its engine

  const RunResult more =
      in_h1({"cluster", "engines", "--n", "2", "--profile", kProfile, "--timeout", "30"});
  ASSERT_EQ(more.exit_code, 0) << more.describe();
  EXPECT_NE(more.out.find("engines=3"), std::string::npos) << more.describe();
  const auto up = status();
  ASSERT_TRUE(up);
  ASSERT_EQ(live(*up).size(), 3u) << up->dump();
  for (const auto& e : up->at("engines")) EXPECT_EQ(e.at("host"), kH2Name) << up->dump();
  // A host supervisor of its own on h2 (one runs per profile), none on h1.
  const auto added = herd::test::profile_pids(h2_dir_, std::string(kProfile) + "." + h2 + "+1");
  ASSERT_EQ(added.size(), 3u);  // the host supervisor and its two engines
  EXPECT_EQ(herd::test::profile_pids(dir_.path(), kProfile).size(), 3u)
      << "h1 runs more than the cluster's supervisor, its controller and the added engines' "
         "supervisor";

  const RunResult stop = in_h1({"cluster", "stop", "--profile", kProfile});
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  auto all = first;
  all.insert(all.end(), added.begin(), added.end());
  EXPECT_TRUE(herd::test::wait_until_gone(all, 10s).empty()) << "h2 kept a process";
  for (const auto& entry : fs::directory_iterator(dir_.path() / "profile_netssh" / "run"))
    EXPECT_NE(entry.path().filename().string().rfind("launcher", 0), 0u)
        << "a launch record is left: " << entry.path();
}

}  // namespace
