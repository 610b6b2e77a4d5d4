// herd cluster start --launcher slurm against a real Slurm: a single-node
// one the test starts itself (support/slurm_node.hpp). One batch job runs
// the engines, tasks run on them, `herd status` shows the job, and stop
// cancels it (squeue is empty after); a job still pending at --timeout is
// reported as such and leaves the cluster up; `herd cluster engines --n N`
// on such a cluster submits a job of its own, which stop cancels too. Skips when Slurm or munge is
// not installed (deploy/install-deps.sh installs them).
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "herd/herd.hpp"
#include "support/slurm_node.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

using herd::test::RunResult;
using herd::test::SingleNodeSlurm;
using herd::test::TestCluster;
using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int kEngines = 2;
constexpr int kTasks = 200;
constexpr auto kResultWait = 60s;

class SlurmLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string reason = SingleNodeSlurm::unavailable_reason();
    if (!reason.empty()) GTEST_SKIP() << "no Slurm here: " << reason;
    slurm_ = std::make_unique<SingleNodeSlurm>();
  }
  void TearDown() override {
    if (HasFailure() && slurm_) std::cerr << slurm_->logs();
  }

  std::unique_ptr<SingleNodeSlurm> slurm_;
};

TEST_F(SlurmLauncherTest, OneJobRunsTheEnginesStatusShowsItAndStopCancelsIt) {
  const auto began = std::chrono::steady_clock::now();
  TestCluster cluster(kEngines, "slurm", {.extra_args = {"--launcher", "slurm"}});
  std::cout << "[ time     ] herd cluster start --launcher slurm --n 2 to ready: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - began)
                   .count()
            << " ms" << std::endl;
  std::vector<int> xs(kTasks);
  for (int i = 0; i < kTasks; ++i) xs[static_cast<size_t>(i)] = i;
  auto sums = cluster.client().load_balanced_view().map(test_tasks::add, xs, xs).get(kResultWait);
  ASSERT_EQ(sums.size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) EXPECT_EQ(sums[static_cast<size_t>(i)], 2 * i);

  const RunResult json = cluster.herd({"status", "--json", "--profile", "slurm"});
  ASSERT_EQ(json.exit_code, 0) << json.describe();
  const std::string job = Json::parse(json.out).at("launcher").at("job");
  ASSERT_EQ(slurm_->queue().size(), 1u);
  EXPECT_EQ(slurm_->queue().front(), job + " RUNNING");
  const RunResult table = cluster.herd({"status", "--profile", "slurm"});
  EXPECT_NE(table.out.find("slurm, job " + job), std::string::npos) << table.describe();

  const RunResult stop = cluster.stop();
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_TRUE(slurm_->queue().empty()) << "the job outlived herd cluster stop";
}

TEST_F(SlurmLauncherTest, AJobStillPendingAtTheTimeoutLeavesTheClusterUp) {
  herd::test::TempDir dir("herd-slurm-pending");
  const std::map<std::string, std::string> env = {{"HERD_DIR", dir.path().string()}};
  const RunResult start = herd::test::run_command(
      {herd::test::herd_binary(), "cluster", "start", "--daemonize", "--profile", "pending",
       "--launcher", "slurm", "--n", "2", "--slurm-args=--begin=now+1hour", "--timeout", "4"},
      30s, env);
  EXPECT_EQ(start.exit_code, 0) << start.describe();
  EXPECT_EQ(start.out.rfind("pending slurm_job=", 0), 0u) << start.describe();
  const RunResult status = herd::test::run_command(
      {herd::test::herd_binary(), "status", "--profile", "pending"}, 30s, env);
  EXPECT_EQ(status.exit_code, 0) << status.describe();
  EXPECT_NE(status.out.find("slurm, job"), std::string::npos) << status.describe();
  ASSERT_EQ(slurm_->queue().size(), 1u);
  EXPECT_NE(slurm_->queue().front().find("PENDING"), std::string::npos);

  const RunResult stop = herd::test::run_command(
      {herd::test::herd_binary(), "cluster", "stop", "--profile", "pending"}, 30s, env);
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_TRUE(slurm_->queue().empty()) << "the pending job outlived herd cluster stop";
}

TEST_F(SlurmLauncherTest, EnginesAddedToTheClusterComeFromAJobOfTheirOwnThatStopCancels) {
  TestCluster cluster(1, "slurmadd", {.extra_args = {"--launcher", "slurm"}});
  ASSERT_EQ(slurm_->queue().size(), 1u);
  const RunResult more =
      cluster.herd({"cluster", "engines", "--n", "1", "--profile", "slurmadd", "--timeout", "30"});
  ASSERT_EQ(more.exit_code, 0) << more.describe();
  EXPECT_NE(more.out.find("engines=2"), std::string::npos) << more.describe();
  const auto queue = slurm_->queue();
  ASSERT_EQ(queue.size(), 2u) << "no job of its own for the added engine";
  for (const auto& job : queue) EXPECT_NE(job.find("RUNNING"), std::string::npos) << job;
  EXPECT_EQ(cluster.client().load_balanced_view().apply(test_tasks::add, 2, 3).get(kResultWait), 5);

  const RunResult stop = cluster.stop();
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_TRUE(slurm_->queue().empty()) << "a job outlived herd cluster stop";
}

}  // namespace
