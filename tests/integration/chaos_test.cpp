// Engines die, tasks don't (issue 4): engines SIGKILLed at random moments
// while thousands of short tasks run; long tasks that must not look dead;
// timeouts that recycle engines; a controller restarted under its engines.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"
#include "support/cluster_suite.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using herd::test::kEngineWait;
using herd::test::TestCluster;

constexpr size_t kTasks = 5000;
constexpr double kTaskSeconds = 0.002;
constexpr int kKills = 5;

// Inputs that are all different, so each result names its task.
std::vector<double> inputs() {
  std::vector<double> xs(kTasks);
  for (size_t i = 0; i < kTasks; ++i) xs[i] = kTaskSeconds + static_cast<double>(i) * 1e-9;
  return xs;
}

// SIGKILLs `kills` busy engines of `cluster`, one every 100-300 ms, each a
// live engine whose pid the cluster recorded. Returns how many it killed.
int kill_engines_at_random(TestCluster& cluster, int kills) {
  std::mt19937 rng(42);
  int killed = 0;
  const auto deadline = Clock::now() + 30s;
  while (killed < kills && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 200));
    const auto recorded = cluster.recorded_pids();
    std::vector<int64_t> busy;
    for (const auto& e : cluster.client().status().engines)
      if (e.state == "busy" && std::count(recorded.begin(), recorded.end(), e.pid)) busy.push_back(e.pid);
    if (busy.empty()) continue;
    if (::kill(static_cast<pid_t>(busy[rng() % busy.size()]), SIGKILL) == 0) ++killed;
  }
  return killed;
}

TEST(ChaosTest, WithRetriesEveryResultArrivesOnceAndRight) {
  TestCluster cluster(4, "chaos");
  cluster.client().wait_for_engines(4, kEngineWait);
  const auto xs = inputs();
  auto lb = cluster.client().load_balanced_view().with({.retries = 3, .chunksize = 1});
  auto m = lb.map(test_tasks::sleep_for, xs);
  EXPECT_EQ(kill_engines_at_random(cluster, kKills), kKills);
  const std::vector<double> results = m.get(120s);
  ASSERT_EQ(results.size(), kTasks);
  for (size_t i = 0; i < kTasks; ++i) ASSERT_EQ(results[i], xs[i]) << "item " << i;
  // The controller forwarded each task's result once: late results of lost
  // engines were dropped, not counted.
  const auto status = cluster.client().status();
  EXPECT_EQ(status.tasks_done, kTasks);
  EXPECT_EQ(status.tasks_failed, 0u);
}

TEST(ChaosTest, WithoutRetriesOnlyTasksRunningOnKilledEnginesFail) {
  TestCluster cluster(4, "chaos0");
  cluster.client().wait_for_engines(4, kEngineWait);
  const auto xs = inputs();
  auto lb = cluster.client().load_balanced_view().with({.chunksize = 1});
  auto m = lb.map(test_tasks::sleep_for, xs);
  const int killed = kill_engines_at_random(cluster, kKills);
  ASSERT_TRUE(m.wait(120s));
  size_t lost = 0;
  for (size_t i = 0; i < kTasks; ++i) {
    try {
      ASSERT_EQ(m[i].get(), xs[i]) << "item " << i;
    } catch (const herd::EngineLost&) {
      ++lost;
    }
  }
  // An engine runs one task at a time: a kill costs at most the task it ran.
  EXPECT_LE(lost, static_cast<size_t>(killed));
  EXPECT_GE(lost, 1u) << "the engines were killed while busy";
  const auto status = cluster.client().status();
  EXPECT_EQ(status.tasks_done + status.tasks_failed, kTasks);
  EXPECT_EQ(status.tasks_failed, lost);
}

TEST(LongTaskTest, ARunningTaskNeverSilencesItsEngine) {
  TestCluster cluster(1, "long");
  auto& client = cluster.client();
  client.wait_for_engines(1, kEngineWait);
  // Heartbeats every 1 s, 3 misses: 20 s of work must not look like death.
  auto r = client.load_balanced_view().apply(test_tasks::sleep_for, 20.0);
  EXPECT_EQ(r.get(60s), 20.0);
  for (const auto& e : client.status().engines) EXPECT_NE(e.state, "lost") << e.lost_reason;
}

TEST(TimeoutTest, OverrunningTaskFailsFastAndItsEngineIsReplaced) {
  TestCluster cluster(2, "timeout");
  auto& client = cluster.client();
  client.wait_for_engines(2, kEngineWait);
  auto lb = client.load_balanced_view().with({.timeout = 1s});
  const auto start = Clock::now();
  auto r = lb.apply(test_tasks::sleep_for, 10.0);
  EXPECT_THROW((void)r.get(30s), herd::TimeoutError);
  EXPECT_LT(Clock::now() - start, 3s);
  // The engine was recycled and its supervisor started a fresh one.
  const auto deadline = Clock::now() + 10s;
  size_t live = 0;
  while (Clock::now() < deadline && (live = client.status().live_engines()) < 2)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(live, 2u) << "the cluster is not back to full size within 10 s";
  EXPECT_EQ(lb.apply(test_tasks::add, 2, 3).get(30s), 5);
}

// A process started by this test, stopped (SIGKILL) and reaped on demand.
class Process {
 public:
  explicit Process(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~Process() { kill(); }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

TEST(ControllerRestartTest, EnginesRegisterAgainWithARestartedController) {
  herd::test::TempDir dir("herd-restart-test");
  ::setenv("HERD_DIR", dir.path().c_str(), 1);
  const std::string herd = herd::test::herd_binary();
  const herd::Profile profile("restart");
  auto controller = std::make_unique<Process>(
      std::vector<std::string>{herd, "controller", "--profile", "restart", "--log-level", "warn"});
  const auto deadline = Clock::now() + 10s;
  while (!std::filesystem::exists(profile.engine_file()) && Clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(std::filesystem::exists(profile.engine_file()));
  Process engine({herd, "engine", "--profile", "restart", "--log-level", "warn", "--load",
                  herd::test::test_tasks_library()});
  {
    herd::Client client(profile.client_file());
    client.wait_for_engines(1, kEngineWait);
    EXPECT_EQ(client.load_balanced_view().apply(test_tasks::add, 1, 2).get(30s), 3);
  }
  controller->kill();
  // The same profile: the new controller takes the old ports, and the engine,
  // which kept reconnecting, registers with it again.
  controller = std::make_unique<Process>(
      std::vector<std::string>{herd, "controller", "--profile", "restart", "--log-level", "warn"});
  // Until the new controller rewrites client.json, the file names the old
  // one, which has exited: a client made from it fails at once, and rightly.
  const auto rewritten = Clock::now() + 10s;
  const auto names_new_controller = [&] {
    try {
      return herd::read_connection_file(profile.client_file()).controller_pid == controller->pid();
    } catch (const herd::ConnectionError&) {
      return false;  // being rewritten
    }
  };
  while (!names_new_controller() && Clock::now() < rewritten) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(names_new_controller())
      << "the restarted controller did not rewrite client.json within 10 s";
  herd::Client client(profile.client_file());
  client.wait_for_engines(1, 15s);
  EXPECT_EQ(client.load_balanced_view().apply(test_tasks::add, 2, 2).get(30s), 4);
  ::unsetenv("HERD_DIR");
}

}  // namespace
