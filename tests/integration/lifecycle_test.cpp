// Starting and stopping clusters, each test on a cluster of its own: no
// process or file outlives `herd cluster stop`, profiles stay apart, engines
// come later or fail to come.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"
#include "support/cluster_probe.hpp"
#include "support/cluster_suite.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kEngineWait;
using herd::test::kResultWait;
using herd::test::RunResult;
using herd::test::TestCluster;
namespace fs = std::filesystem;

TEST(ClusterLifecycleTest, StartThenStopLeavesNoProcessAndNoPidFile) {
  TestCluster cluster(2, "lifecycle");
  const auto files = cluster.pid_files();
  auto count = [&](const std::string& prefix) {
    return std::count_if(files.begin(), files.end(), [&](const fs::path& p) {
      return p.filename().string().rfind(prefix, 0) == 0;
    });
  };
  EXPECT_EQ(count("supervisor-"), 1);
  EXPECT_EQ(count("controller.pid"), 1);
  EXPECT_EQ(count("engine-"), 2);
  const auto pids = cluster.recorded_pids();
  ASSERT_EQ(pids.size(), files.size());
  for (pid_t pid : pids) EXPECT_TRUE(herd::test::process_alive(pid)) << pid;
  EXPECT_TRUE(fs::exists(cluster.client_file()));

  const RunResult r = cluster.stop();  // checks every recorded pid is gone
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(cluster.pid_files().empty()) << "pid files left in " << cluster.run_dir();
}

TEST(ClusterLifecycleTest, ClientFileIsPrivate) {
  TestCluster cluster(1, "private");
  const auto perms = fs::status(cluster.client_file()).permissions() & fs::perms::all;
  EXPECT_EQ(perms, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(cluster.client_file().parent_path().filename(), "security");
}

TEST(ClusterLifecycleTest, EnginesCanBeAdded) {
  TestCluster cluster(1, "grow");
  const RunResult r = cluster.herd({"cluster", "engines", "--n", "2", "--profile", "grow", "--load",
                                    herd::test::test_tasks_library()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  herd::Client& client = cluster.client();
  EXPECT_NO_THROW(client.wait_for_engines(3, kEngineWait));
  EXPECT_EQ(client.load_balanced_view().apply(test_tasks::add, 1, 2).get(kResultWait), 3);
  // Stopping also stops the added engines (checked by the destructor).
}

TEST(ClusterLifecycleTest, TasksWaitInTheQueueUntilAnEngineComes) {
  TestCluster cluster(0, "empty");
  herd::Client& client = cluster.client();
  auto r = client.load_balanced_view().apply(test_tasks::add, 4, 5);
  EXPECT_FALSE(r.wait(300ms)) << "a task finished on a cluster without engines";
  EXPECT_EQ(client.status().queue_depth, 1u);
  const RunResult added = cluster.herd({"cluster", "engines", "--n", "1", "--profile", "empty",
                                        "--load", herd::test::test_tasks_library()});
  ASSERT_EQ(added.exit_code, 0) << added.describe();
  EXPECT_EQ(r.get(kResultWait), 9);
  EXPECT_EQ(client.status().queue_depth, 0u);
}

TEST(ClusterLifecycleTest, StopEndsABusyEngineWithoutWaitingForItsTask) {
  TestCluster cluster(1, "busy");
  auto r = cluster.client().load_balanced_view().apply(test_tasks::sleep_for, 60.0);
  ASSERT_TRUE(herd::test::wait_for_one_busy_engine(cluster.client(), 10s).has_value());
  // The engine gets SIGTERM; it should leave at once (its task is lost anyway),
  // not linger until the supervisor's SIGKILL after its 5 s grace.
  const RunResult stopped = cluster.stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.describe();
  EXPECT_LT(stopped.elapsed, 3s) << "herd cluster stop waited for a running task: " << stopped.describe()
                                 << "\n--- logs ---\n" << cluster.log_tail(5);
  EXPECT_THROW((void)r.get(kResultWait), herd::Error);
}

TEST(ClusterLifecycleTest, StopLeavesNoFilesOfARunningShellTask) {
  TestCluster cluster(1, "shell");
  herd::test::TempDir scratch("herd-shell-test");
  const fs::path paths = scratch.path() / "paths";
  // The command tells us where its output goes, then keeps running.
  auto r = cluster.client().load_balanced_view().apply(
      herd::builtin::shell, "readlink /proc/$$/fd/1 > " + paths.string() + ".tmp; readlink /proc/$$/fd/2 >> " +
                                paths.string() + ".tmp; mv " + paths.string() + ".tmp " + paths.string() +
                                "; sleep 60");
  std::vector<fs::path> files;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (files.empty() && std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(paths);
    for (std::string line; std::getline(in, line);) {
      // An unlinked file reads as "/tmp/x (deleted)": nothing to leave behind.
      const std::string deleted = " (deleted)";
      if (line.size() > deleted.size() && line.ends_with(deleted)) line.resize(line.size() - deleted.size());
      if (!line.empty()) files.emplace_back(line);
    }
    if (files.empty()) std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(files.size(), 2u) << "the shell task did not start within 10 s";

  const RunResult stopped = cluster.stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.describe();
  for (const auto& f : files)
    EXPECT_FALSE(fs::exists(f)) << "the shell task's output file " << f << " outlived its engine";
  std::error_code ec;
  for (const auto& f : files)
    if (f.string().rfind("/tmp/herd-shell-", 0) == 0) fs::remove(f, ec);  // a leak's leftovers
}

TEST(ClusterLifecycleTest, ProfilesAreIndependent) {
  TestCluster one(1, "one");
  TestCluster two(1, "two", one.herd_dir());  // stopped and checked by its destructor
  const auto pids = two.recorded_pids();
  EXPECT_EQ(pids.size(), 3u);

  const RunResult stopped_one = one.stop();
  EXPECT_EQ(stopped_one.exit_code, 0);
  for (pid_t pid : pids) EXPECT_TRUE(herd::test::process_alive(pid)) << "stopping profile one stopped " << pid;
  EXPECT_EQ(two.client().load_balanced_view().apply(test_tasks::add, 2, 2).get(kResultWait), 4);
}

TEST(ClusterLifecycleTest, EnginesForAProfileWithoutClusterFail) {
  herd::test::TempDir dir;
  const auto r = herd::test::run_command(
      {herd::test::herd_binary(), "cluster", "engines", "--n", "1", "--profile", "none", "--timeout", "5"},
      30s, {{"HERD_DIR", dir.path().string()}});
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(r.err.empty());
}

TEST(ClusterLifecycleTest, StartFailsCleanlyWithABadLibrary) {
  herd::test::TempDir dir;
  const auto r = herd::test::run_command(
      {herd::test::herd_binary(), "cluster", "start", "--n", "1", "--daemonize", "--profile", "bad",
       "--load", "/nonexistent/libnothing.so", "--timeout", "10"},
      40s, {{"HERD_DIR", dir.path().string()}});
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out.find("ready"), std::string::npos) << r.out;
  // Nothing may be left running for that profile.
  std::vector<pid_t> left;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir.path() / "profile_bad" / "run", ec)) {
    std::ifstream in(entry.path());
    long pid = 0;
    if (in >> pid && herd::test::process_alive(static_cast<pid_t>(pid))) left.push_back(static_cast<pid_t>(pid));
  }
  EXPECT_TRUE(left.empty()) << left.size() << " processes still run after a failed start";
  // Should the start have half-worked after all, leave nothing running.
  herd::test::run_command({herd::test::herd_binary(), "cluster", "stop", "--profile", "bad"}, 30s,
                          {{"HERD_DIR", dir.path().string()}});
}

}  // namespace
