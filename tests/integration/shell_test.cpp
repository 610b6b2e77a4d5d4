// Shell tasks (herd::builtin::shell and `herd submit`): a command ended by a
// timeout, an abort or its engine stopping leaves no process behind, not even
// one re-parented to init; and `herd submit` reads one argument as a shell
// command line and several as an argv.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"
#include "support/cluster_suite.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using herd::test::kEngineWait;
using herd::test::kResultWait;
using herd::test::RunResult;

// Past SIGTERM's grace (2 s) and the engine's restart, with room to spare.
constexpr auto kGoneBound = 10s;
constexpr auto kStartBound = 10s;

// A command that writes its shell's pid, then the pids of two children (one
// ignores SIGTERM, so only SIGKILL ends it) to `pids` and keeps running.
// The file appears whole (mv), once every pid is in it.
std::string long_command(const fs::path& pids) {
  const std::string tmp = pids.string() + ".tmp";
  return "echo $$ > " + tmp + "; sleep 30 & echo $! >> " + tmp +
         "; (trap '' TERM; exec sleep 30) & echo $! >> " + tmp + "; mv " + tmp + " " +
         pids.string() + "; wait; sleep 30";
}

// The pids the command wrote, once it has; empty if it did not within the bound.
std::vector<pid_t> wait_for_pids(const fs::path& pids) {
  const auto deadline = Clock::now() + kStartBound;
  while (Clock::now() < deadline) {
    std::ifstream in(pids);
    std::vector<pid_t> found;
    for (pid_t pid; in >> pid;) found.push_back(pid);
    if (found.size() == 3) return found;
    std::this_thread::sleep_for(20ms);
  }
  return {};
}

std::string describe(const std::vector<pid_t>& pids) {
  std::string text;
  for (pid_t pid : pids) text += (text.empty() ? "" : " ") + std::to_string(pid);
  return text;
}

class ShellTest : public herd::test::ClusterSuite<ShellTest, 1> {
 protected:
  void SetUp() override {
    ClusterSuite::SetUp();
    // A test before may have had the engine recycled: wait for its successor.
    if (!HasFatalFailure()) client().wait_for_engines(1, kEngineWait);
  }
  // `herd submit --profile P args…`
  RunResult submit(const std::vector<std::string>& args) const {
    std::vector<std::string> all{"submit", "--profile", cluster().profile()};
    all.insert(all.end(), args.begin(), args.end());
    return cluster().herd(all);
  }

  // Runs `prefix` + long_command(), aborts it once it runs, and checks that
  // its whole group goes, and that the built-in honoured cancelled(): its
  // engine was not recycled (as it is 5 s after a cancellation is ignored).
  void abort_and_expect_nothing_left(const std::string& prefix) {
    const auto engine = lb().apply(herd::builtin::whoami).get(kResultWait);
    const fs::path pids_file = scratch_.path() / "pids";
    auto r = lb().apply(herd::builtin::shell, prefix + long_command(pids_file));
    const auto pids = wait_for_pids(pids_file);
    ASSERT_EQ(pids.size(), 3u) << "the command did not start within the bound";
    r.abort();
    EXPECT_THROW(r.get(kResultWait), herd::TaskAborted);
    const auto left = herd::test::wait_until_gone(pids, kGoneBound);
    EXPECT_TRUE(left.empty()) << "still running after abort(): " << describe(left);
    EXPECT_EQ(lb().apply(herd::builtin::whoami).get(kResultWait).pid, engine.pid);
  }

  herd::test::TempDir scratch_{"herd-shell-test"};
};

TEST_F(ShellTest, TimeoutEndsTheCommandsWholeGroup) {
  const fs::path pids_file = scratch_.path() / "pids";
  auto r = lb().with({.timeout = 1s}).apply(herd::builtin::shell, long_command(pids_file));
  const auto pids = wait_for_pids(pids_file);
  ASSERT_EQ(pids.size(), 3u) << "the command did not start within the bound";
  EXPECT_THROW(r.get(kResultWait), herd::TimeoutError);
  const auto left = herd::test::wait_until_gone(pids, kGoneBound);
  EXPECT_TRUE(left.empty()) << "still running after the timeout: " << describe(left);
}

TEST_F(ShellTest, AbortEndsTheCommandsWholeGroupAndKeepsTheEngine) {
  abort_and_expect_nothing_left("");
}

TEST_F(ShellTest, AbortForcesACommandThatIgnoresSigterm) {
  // The shell and all it starts ignore SIGTERM: SIGKILL ends them after the grace.
  abort_and_expect_nothing_left("trap '' TERM; ");
}

TEST_F(ShellTest, ACommandThatFinishesLeavesNothingInItsGroup) {
  const fs::path pids_file = scratch_.path() / "pids";
  // The shell exits at once, its children still running.
  const std::string command = long_command(pids_file);
  const auto r =
      lb().apply(herd::builtin::shell, command.substr(0, command.find("; wait"))).get(kResultWait);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto pids = wait_for_pids(pids_file);
  ASSERT_EQ(pids.size(), 3u) << "the command did not run";
  const auto left = herd::test::wait_until_gone(pids, kGoneBound);
  EXPECT_TRUE(left.empty()) << "outlived their task: " << describe(left);
}

TEST_F(ShellTest, SubmitTimeoutEndsTheCommandsWholeGroup) {
  const fs::path pids_file = scratch_.path() / "pids";
  RunResult result;
  std::thread submitter([&] {
    result = submit({"--timeout", "1", "--", long_command(pids_file)});
  });
  const auto pids = wait_for_pids(pids_file);
  submitter.join();  // bounded by the herd command's own bound
  EXPECT_EQ(result.exit_code, 124) << result.describe();
  ASSERT_EQ(pids.size(), 3u) << "the command did not start within the bound";
  const auto left = herd::test::wait_until_gone(pids, kGoneBound);
  EXPECT_TRUE(left.empty()) << "still running after the timeout: " << describe(left);
}

TEST_F(ShellTest, SubmitRunsOneArgumentAsAShellCommandLine) {
  const RunResult r = submit({"--", "echo a; echo b"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "a\nb\n");
}

TEST_F(ShellTest, SubmitRunsSeveralArgumentsAsAnArgv) {
  const RunResult r = submit({"--", "sh", "-c", "exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r.describe();
  // As an argv, a ';' is an argument, not a separator.
  const RunResult echoed = submit({"--", "echo", "a;", "echo", "b"});
  EXPECT_EQ(echoed.exit_code, 0) << echoed.describe();
  EXPECT_EQ(echoed.out, "a; echo b\n");
}

// The engine is told to stop (herd cluster stop) with a command running.
TEST(ShellStopTest, StoppingTheEngineEndsTheCommandsWholeGroup) {
  herd::test::TestCluster cluster(1, "shellstop");
  herd::test::TempDir scratch("herd-shell-test");
  const fs::path pids_file = scratch.path() / "pids";
  auto r =
      cluster.client().load_balanced_view().apply(herd::builtin::shell, long_command(pids_file));
  const auto pids = wait_for_pids(pids_file);
  ASSERT_EQ(pids.size(), 3u) << "the command did not start within the bound";
  const RunResult stopped = cluster.stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.describe();
  const auto left = herd::test::wait_until_gone(pids, kGoneBound);
  EXPECT_TRUE(left.empty()) << "outlived their engine: " << describe(left);
}

}  // namespace
