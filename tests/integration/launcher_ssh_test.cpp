// herd cluster start --launcher ssh, through a stand-in for ssh (it runs
// the command from / with `sh -c`, as sshd's shell would; see
// support/launch_checks.hpp): one host supervisor per host runs that host's
// engines; the connection info travels on standard input only; a host that
// cannot be reached fails the start, or the stop, by name; and
// `herd cluster stop` leaves no remote process behind.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "herd/herd.hpp"
#include "support/launch_checks.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

namespace fs = std::filesystem;
using herd::test::profile_pids;
using herd::test::RunResult;
using herd::test::TestCluster;
using namespace std::chrono_literals;

constexpr auto kGoneBound = 10s;
constexpr auto kResultWait = 30s;

class SshLauncherTest : public ::testing::Test {
 protected:
  SshLauncherTest() { herd::test::write_fake_ssh(ssh_); }

  std::vector<std::string> launcher_args(const std::string& hosts) const {
    return {"--launcher",    "ssh",         "--hosts",       hosts,
            "--ssh-command", ssh_.string(), "--remote-herd", herd::test::herd_binary()};
  }
  // `herd cluster start --launcher ssh` of profile "ssh" in `herd_dir`.
  RunResult start_in(const fs::path& herd_dir, const std::string& hosts,
                     const std::string& library) const {
    std::vector<std::string> argv = {herd::test::herd_binary(),
                                     "cluster",
                                     "start",
                                     "--daemonize",
                                     "--profile",
                                     "ssh",
                                     "--timeout",
                                     "20",
                                     "--load",
                                     library};
    for (const auto& a : launcher_args(hosts)) argv.push_back(a);
    return herd::test::run_command(argv, 40s, {{"HERD_DIR", herd_dir.string()}});
  }
  void set_down(const std::string& host, bool down) {
    const fs::path marker = scratch_.path() / ("down-" + host);
    if (down)
      std::ofstream(marker).put('\n');
    else
      fs::remove(marker);
  }

  herd::test::TempDir scratch_{"herd-ssh-test"};
  herd::test::TempDir dir_{"herd-ssh-test"};  // HERD_DIR of the starts that fail
  const fs::path ssh_ = scratch_.path() / "ssh";
};

TEST_F(SshLauncherTest, EnginesRunOnEachHostAndStopLeavesNothing) {
  TestCluster cluster(3, "ssh", {.extra_args = launcher_args("a,b=2")});
  const auto dir = cluster.herd_dir();
  // A host supervisor and its engines per host, in a profile of their own.
  const auto a = profile_pids(dir, "ssh.a"), b = profile_pids(dir, "ssh.b");
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(b.size(), 3u);
  auto results = cluster.client().load_balanced_view().map(test_tasks::add, std::vector<int>(60, 1),
                                                           std::vector<int>(60, 2));
  for (int v : results.get(kResultWait)) EXPECT_EQ(v, 3);

  const RunResult status = cluster.herd({"status", "--profile", "ssh", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.describe();
  const auto json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json.at("launcher").at("launcher"), "ssh");
  EXPECT_EQ(json.at("engines").size(), 3u);

  const RunResult stop = cluster.stop();
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  auto remote = a;
  remote.insert(remote.end(), b.begin(), b.end());
  EXPECT_TRUE(herd::test::wait_until_gone(remote, kGoneBound).empty())
      << "a host supervisor or engine outlived herd cluster stop";
  EXPECT_FALSE(fs::exists(dir / "profile_ssh" / "run" / "launcher.json"));
}

TEST_F(SshLauncherTest, ReloadRefusesToMoveTheEnginesToTheControllersHost) {
  TestCluster cluster(1, "ssh", {.extra_args = launcher_args("a")});
  const RunResult reload = cluster.herd({"cluster", "reload", "--profile", "ssh"});
  EXPECT_EQ(reload.exit_code, 1) << reload.describe();
  EXPECT_NE(reload.err.find("herd cluster engines --n N"), std::string::npos) << reload.describe();
  EXPECT_EQ(profile_pids(cluster.herd_dir(), "ssh.a").size(), 2u) << "a's engine was replaced";
}

TEST_F(SshLauncherTest, TheConnectionInfoTravelsOnStandardInputOnly) {
  TestCluster cluster(1, "ssh", {.extra_args = launcher_args("a")});
  const auto engine_json = nlohmann::json::parse(herd::test::read_text(cluster.engine_file()));
  const std::string secret = engine_json.at("secret_key");
  ASSERT_FALSE(secret.empty());
  const std::string calls = herd::test::read_text(scratch_.path() / "calls");
  EXPECT_NE(calls.find("cluster host"), std::string::npos) << calls;
  EXPECT_EQ(calls.find(secret), std::string::npos) << "the engine key was on ssh's command line";
  // The host supervisor keeps what it read in its own profile, 0600.
  const auto kept = cluster.herd_dir() / "profile_ssh.a" / "security" / "engine.json";
  EXPECT_EQ(nlohmann::json::parse(herd::test::read_text(kept)).at("secret_key"), secret);
  EXPECT_EQ(fs::status(kept).permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);
}

TEST_F(SshLauncherTest, AHostThatCannotBeReachedFailsTheStartByName) {
  set_down("c", true);
  const RunResult r = start_in(dir_.path(), "a,c", herd::test::test_tasks_library());
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("host c:"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("No route to host"), std::string::npos) << r.describe();
  // What started on a was stopped again.
  EXPECT_TRUE(herd::test::wait_until_gone(profile_pids(dir_.path(), "ssh.a"), kGoneBound).empty());
  EXPECT_TRUE(profile_pids(dir_.path(), "ssh").empty());
}

TEST_F(SshLauncherTest, ALibraryAHostCannotLoadFailsTheStartWithTheLoadersMessage) {
  const RunResult r = start_in(dir_.path(), "a", HERD_TEST_BROKEN_TASKS_LIB);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("host a:"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("undefined symbol: herd_test_missing_symbol"), std::string::npos)
      << r.describe();
  EXPECT_TRUE(profile_pids(dir_.path(), "ssh.a").empty());
}

TEST_F(SshLauncherTest, StopEndsTheHostsEvenWhenTheSupervisorWasKilled) {
  TestCluster cluster(2, "ssh", {.extra_args = launcher_args("a,b")});
  auto remote = profile_pids(cluster.herd_dir(), "ssh.a");
  const auto b = profile_pids(cluster.herd_dir(), "ssh.b");
  remote.insert(remote.end(), b.begin(), b.end());
  ASSERT_EQ(remote.size(), 4u);
  // The supervisor dies without a word: nothing stops the hosts but the
  // record it left in run/launcher.json.
  int killed = 0;
  for (const auto& file : cluster.pid_files())
    if (file.filename().string().rfind("supervisor-", 0) == 0)
      killed += ::kill(std::stoi(file.stem().string().substr(11)), SIGKILL) == 0;
  ASSERT_EQ(killed, 1);
  const RunResult stop = cluster.stop();
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_TRUE(herd::test::wait_until_gone(remote, kGoneBound).empty())
      << "a host kept its supervisor or engines";
}

TEST_F(SshLauncherTest, StopNamesAnUnreachableHostAndStopsTheRest) {
  TestCluster cluster(2, "ssh", {.extra_args = launcher_args("a,b")});
  const auto a = profile_pids(cluster.herd_dir(), "ssh.a");
  const auto b = profile_pids(cluster.herd_dir(), "ssh.b");
  ASSERT_EQ(b.size(), 2u);
  set_down("b", true);
  const RunResult stop = cluster.herd({"cluster", "stop", "--profile", "ssh"});
  EXPECT_EQ(stop.exit_code, 1) << stop.describe();
  EXPECT_NE(stop.err.find("host b:"), std::string::npos) << stop.describe();
  EXPECT_EQ(stop.err.find("host a:"), std::string::npos) << stop.describe();
  EXPECT_TRUE(herd::test::wait_until_gone(a, kGoneBound).empty());
  EXPECT_TRUE(cluster.recorded_pids().empty()) << "the controller outlived the stop";
  EXPECT_EQ(herd::test::wait_until_gone(b, 0ms).size(), b.size())
      << "b's engines were meant to be out of reach";
  // Once b can be reached again, a second stop ends what runs there.
  set_down("b", false);
  const RunResult again = cluster.stop();
  EXPECT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_TRUE(herd::test::wait_until_gone(b, kGoneBound).empty());
}

}  // namespace
