// herd cluster start --launcher mpi, with the real mpiexec (Open MPI;
// oversubscribed on a small machine): the ranks run the engines and tasks
// run on all of them; an engine killed inside the job is restarted by its
// rank while the job goes on; stop leaves no rank, engine or mpiexec.
// `herd cluster engines --n N` on such a cluster starts a new mpiexec job
// of N ranks, which stop ends as well.
// Skips when mpiexec is not installed (deploy/install-deps.sh installs it).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "herd/herd.hpp"
#include "support/launch_checks.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

using herd::test::RunResult;
using herd::test::TestCluster;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kEngines = 3;
constexpr auto kResultWait = 60s;
constexpr auto kRestartBound = 20s;

Json status_of(const TestCluster& cluster) {
  const RunResult r = cluster.herd({"status", "--json", "--profile", cluster.profile()});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  const Json j = Json::parse(r.out, nullptr, false);
  return j.is_discarded() ? Json::object() : j;
}

std::set<int64_t> live_pids(const Json& status) {
  std::set<int64_t> pids;
  for (const auto& e : status.value("engines", Json::array()))
    if (e.at("state") != "lost") pids.insert(e.at("pid").get<int64_t>());
  return pids;
}

TEST(MpiLauncherTest, RanksRunTheEnginesRestartThemAndStopLeavesNothing) {
  if (!herd::test::on_path("mpiexec"))
    GTEST_SKIP() << "mpiexec is not installed (apt-get install openmpi-bin)";
  TestCluster cluster(kEngines, "mpi",
                      {.extra_args = {"--launcher", "mpi", "--mpi-args=--oversubscribe"}});
  const Json record = status_of(cluster).at("launcher");
  ASSERT_EQ(record.at("launcher"), "mpi") << record.dump();
  const auto mpiexec = record.at("pid").get<pid_t>();

  auto lb = cluster.client().load_balanced_view();
  auto first =
      lb.map(test_tasks::tag_with_pid, std::vector<int64_t>(60, 1), std::vector<double>(60, 0.02));
  std::set<int64_t> ran;
  for (const auto& [n, pid] : first.get(kResultWait)) ran.insert(pid);
  EXPECT_EQ(ran.size(), static_cast<size_t>(kEngines)) << "tasks did not reach every rank's engine";

  // One engine dies inside the job: its rank starts another; mpiexec runs on.
  const auto before = live_pids(status_of(cluster));
  ASSERT_EQ(before.size(), static_cast<size_t>(kEngines));
  const auto victim = static_cast<pid_t>(*before.begin());
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  const auto deadline = Clock::now() + kRestartBound;
  std::set<int64_t> after;
  while (Clock::now() < deadline) {
    after = live_pids(status_of(cluster));
    if (after.size() == before.size() && !after.count(victim)) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(after.size(), before.size()) << "the killed engine was not restarted";
  EXPECT_FALSE(after.count(victim));
  EXPECT_TRUE(herd::test::process_alive(mpiexec)) << "the job ended with the engine";
  EXPECT_EQ(lb.apply(test_tasks::add, 2, 3).get(kResultWait), 5);

  std::vector<pid_t> everything = cluster.recorded_pids();
  everything.push_back(mpiexec);
  const RunResult stop = cluster.stop();
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_TRUE(herd::test::wait_until_gone(everything, 10s).empty())
      << "a rank, an engine or mpiexec outlived herd cluster stop";
}

TEST(MpiLauncherTest, EnginesAddedToTheClusterComeFromANewJobThatStopEnds) {
  if (!herd::test::on_path("mpiexec"))
    GTEST_SKIP() << "mpiexec is not installed (apt-get install openmpi-bin)";
  TestCluster cluster(1, "mpi",
                      {.extra_args = {"--launcher", "mpi", "--mpi-args=--oversubscribe"}});
  const auto first_job = status_of(cluster).at("launcher").at("pid").get<pid_t>();
  const RunResult more =
      cluster.herd({"cluster", "engines", "--n", "2", "--profile", "mpi", "--timeout", "30"});
  ASSERT_EQ(more.exit_code, 0) << more.describe();
  EXPECT_EQ(live_pids(status_of(cluster)).size(), 3u);

  const auto run = cluster.herd_dir() / "profile_mpi" / "run";
  const Json added = Json::parse(herd::test::read_text(run / "launcher+1.json"), nullptr, false);
  ASSERT_TRUE(added.is_object()) << "no record of the added job";
  EXPECT_EQ(added.at("launcher"), "mpi") << added.dump();
  const auto second_job = added.at("pid").get<pid_t>();
  EXPECT_NE(second_job, first_job);
  EXPECT_TRUE(herd::test::process_alive(second_job));
  // herd status lists both launches, the cluster's own first.
  const Json launches = status_of(cluster).value("launches", Json::array());
  ASSERT_EQ(launches.size(), 2u) << launches.dump();
  EXPECT_EQ(launches[0].at("pid").get<pid_t>(), first_job);
  EXPECT_EQ(launches[1].at("pid").get<pid_t>(), second_job);
  const RunResult text = cluster.herd({"status", "--profile", "mpi"});
  EXPECT_NE(text.out.find("mpiexec pid " + std::to_string(second_job) + " (added)"),
            std::string::npos)
      << text.out;
  // Its ranks' engines are numbered after the cluster's own.
  for (const char* log : {"engine-1.log", "engine-2.log"})
    EXPECT_TRUE(std::filesystem::exists(cluster.herd_dir() / "profile_mpi" / "log" / log)) << log;

  std::vector<pid_t> everything = cluster.recorded_pids();
  everything.insert(everything.end(), {first_job, second_job});
  const RunResult stop = cluster.stop();
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_TRUE(herd::test::wait_until_gone(everything, 10s).empty())
      << "a rank, an engine or an mpiexec outlived herd cluster stop";
  EXPECT_FALSE(std::filesystem::exists(run / "launcher+1.json"));
}

TEST(MpiLauncherTest, ALibraryTheRanksCannotLoadFailsTheStartWithTheLoadersMessage) {
  if (!herd::test::on_path("mpiexec"))
    GTEST_SKIP() << "mpiexec is not installed (apt-get install openmpi-bin)";
  herd::test::TempDir dir("herd-mpi-test");
  const RunResult r = herd::test::run_command(
      {herd::test::herd_binary(), "cluster", "start", "--daemonize", "--profile", "mpi",
       "--launcher", "mpi", "--n", "2", "--load", HERD_TEST_BROKEN_TASKS_LIB, "--timeout", "20"},
      40s, {{"HERD_DIR", dir.path().string()}});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("undefined symbol: herd_test_missing_symbol"), std::string::npos)
      << r.describe();
  EXPECT_TRUE(herd::test::profile_pids(dir.path(), "mpi").empty());
}

}  // namespace
