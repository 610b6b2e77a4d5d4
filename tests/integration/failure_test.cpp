// Failures of the parts themselves: an engine killed mid-task, a controller
// that dies, a controller that was never there (ConnectionError within
// connect_timeout, not a TimeoutError or a hang). Each ends as a typed error
// within a bound, never as a hang.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "herd/herd.hpp"
#include "support/cluster_probe.hpp"
#include "support/cluster_suite.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using herd::test::kEngineWait;
using herd::test::kResultWait;
using herd::test::TestCluster;

// Before a first welcome a client gives up after connect_timeout (2 s by
// default); the rest is slack for a loaded machine.
constexpr auto kConnectBound = 4s;

// Heartbeats every 1 s, lost after 3 missed: a killed engine is noticed
// within about 3-4 s. The bound leaves room for a loaded machine.
constexpr auto kEngineLossBound = 5s;

// Whether `pid` is one the cluster recorded in run/engine-<pid>.pid.
bool recorded_engine(const TestCluster& cluster, int64_t pid) {
  const auto pid_files = cluster.pid_files();
  const std::string name = "engine-" + std::to_string(pid) + ".pid";
  return std::any_of(pid_files.begin(), pid_files.end(),
                     [&](const std::filesystem::path& p) { return p.filename() == name; });
}

// An address nobody listens on: an ephemeral port bound, then closed. ""
// if no port could be had.
std::string dead_address() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  return ok ? "tcp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) : "";
}

// A fresh cluster per test: these tests kill its processes.
class EngineFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(2);
    client_ = &cluster_->client();
    client_->wait_for_engines(2, kEngineWait);
  }
  void TearDown() override { cluster_.reset(); }

  // A path for announce_then_sleep to write, fresh for each call.
  std::string marker() {
    return (scratch_.path() / ("marker-" + std::to_string(++markers_))).string();
  }
  // The engine whose task wrote `marker`, once the task runs (it writes the
  // file first thing): waits up to 10 s for the file.
  herd::EngineInfo engine_that_wrote(const std::string& marker) {
    const auto deadline = Clock::now() + 10s;
    int64_t pid = 0;
    while (pid == 0 && Clock::now() < deadline) {
      std::ifstream in(marker);
      if (!(in >> pid)) std::this_thread::sleep_for(20ms);
    }
    if (pid == 0) {
      ADD_FAILURE() << "the task did not start within 10 s";
      return {};
    }
    for (const auto& e : client_->status().engines)
      if (e.pid == pid && e.state != "lost") return e;
    ADD_FAILURE() << "no live engine with pid " << pid << " in status()";
    return {};
  }
  // SIGKILLs an engine of this cluster, by the pid it recorded.
  void kill_engine(const herd::EngineInfo& engine) {
    ASSERT_GT(engine.pid, 0);
    ASSERT_TRUE(recorded_engine(*cluster_, engine.pid))
        << "engine pid " << engine.pid << " has no pid file in " << cluster_->run_dir();
    ASSERT_EQ(::kill(static_cast<pid_t>(engine.pid), SIGKILL), 0);
  }

  std::unique_ptr<TestCluster> cluster_;
  herd::Client* client_ = nullptr;
  herd::test::TempDir scratch_{"herd-failure-test"};
  int markers_ = 0;
};

TEST_F(EngineFailureTest, KilledEngineFailsItsTaskWithEngineLost) {
  auto lb = client_->load_balanced_view();
  const std::string m = marker();
  auto r = lb.apply(test_tasks::announce_then_sleep, m, 10.0);
  const herd::EngineInfo victim = engine_that_wrote(m);
  kill_engine(victim);
  const auto killed_at = Clock::now();
  try {
    const int64_t pid = r.get(kResultWait);
    FAIL() << "the task succeeded on engine " << r.metadata().engine_id << " (pid " << pid
           << ") although engine " << victim.id << " (pid " << victim.pid
           << "), which status showed running it, was killed";
  } catch (const herd::EngineLost& e) {
    EXPECT_EQ(e.engine_id(), victim.id);
    EXPECT_FALSE(e.host().empty());
  }
  EXPECT_LT(Clock::now() - killed_at, kEngineLossBound) << "the lost engine was noticed late";
  // The other engine still serves, and status reports the loss.
  EXPECT_EQ(lb.apply(test_tasks::add, 1, 2).get(kResultWait), 3);
  const auto status = client_->status();
  const auto it = std::find_if(status.engines.begin(), status.engines.end(),
                               [&](const herd::EngineInfo& e) { return e.id == victim.id; });
  ASSERT_NE(it, status.engines.end());
  EXPECT_EQ(it->state, "lost");
  EXPECT_GE(status.tasks_failed, 1u);
}

// Prefetching (controller/prefetch.hpp) puts several tasks on an engine
// ahead of time; those it never began are not its to lose.
TEST_F(EngineFailureTest, TasksPrefetchedByAKilledEngineRunElsewhereWithoutUsingAnAttempt) {
  auto lb = client_->load_balanced_view();
  // The controller learns that log_run is quick, so engines get several ahead.
  for (int i = 0; i < 10; ++i) lb.apply(test_tasks::log_run, marker(), 0.0).get(kResultWait);
  const std::string m = marker();
  auto long_one = lb.apply(test_tasks::log_run, m, 10.0);
  std::vector<std::string> runs;
  std::vector<herd::AsyncResult<int64_t>> shorts;
  for (int i = 0; i < 8; ++i) {
    runs.push_back(marker());
    shorts.push_back(lb.apply(test_tasks::log_run, runs.back(), 0.3));
  }
  const herd::EngineInfo victim = engine_that_wrote(m);
  const auto held = client_->status().engines;
  const auto it = std::find_if(held.begin(), held.end(),
                               [&](const herd::EngineInfo& e) { return e.id == victim.id; });
  ASSERT_NE(it, held.end());
  ASSERT_GE(it->outstanding, 3u) << "the engine held nothing ahead: the test proves nothing";
  kill_engine(victim);
  EXPECT_THROW(long_one.get(kResultWait), herd::EngineLost);
  for (size_t i = 0; i < shorts.size(); ++i) {
    EXPECT_GT(shorts[i].get(kResultWait), 0);
    EXPECT_EQ(shorts[i].metadata().attempt, 1u)
        << "a task the lost engine never began used an attempt";
    std::ifstream in(runs[i]);
    size_t lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    EXPECT_EQ(lines, 1u) << "task " << i << " ran " << lines << " times";
  }
}

TEST_F(EngineFailureTest, TaskWithRetriesRunsAgainElsewhere) {
  auto lb = client_->load_balanced_view().with({.retries = 1});
  const std::string m = marker();
  auto r = lb.apply(test_tasks::announce_then_sleep, m, 3.0);
  const herd::EngineInfo victim = engine_that_wrote(m);
  kill_engine(victim);
  const int64_t pid = r.get(kResultWait);
  EXPECT_NE(pid, victim.pid);
  EXPECT_EQ(r.metadata().attempt, 2u);
}

TEST_F(EngineFailureTest, FrozenEngineIsLostAndItsLateResultIsNotDelivered) {
  auto lb = client_->load_balanced_view().with({.retries = 1});
  const std::string m = marker();
  auto r = lb.apply(test_tasks::announce_then_sleep, m, 2.0);
  const herd::EngineInfo frozen = engine_that_wrote(m);
  ASSERT_TRUE(recorded_engine(*cluster_, frozen.pid));
  ASSERT_EQ(::kill(static_cast<pid_t>(frozen.pid), SIGSTOP), 0);
  struct Thaw {
    pid_t pid;
    ~Thaw() { ::kill(pid, SIGCONT); }
  } thaw{static_cast<pid_t>(frozen.pid)};
  // Silent for 3 heartbeats: lost; the task runs again on the other engine.
  const int64_t pid = r.get(kResultWait);
  EXPECT_NE(pid, frozen.pid);
  EXPECT_EQ(r.metadata().attempt, 2u);
  const herd::TaskMetadata first = r.metadata();
  // Thawed, the engine finishes its copy of the task and registers again;
  // its late result must not replace the one delivered.
  ::kill(static_cast<pid_t>(frozen.pid), SIGCONT);
  const auto back = herd::test::wait_for_status(
      *client_,
      [&](const herd::ClusterStatus& s) {
        return std::any_of(s.engines.begin(), s.engines.end(), [&](const herd::EngineInfo& e) {
          return e.pid == frozen.pid && e.state != "lost";
        });
      },
      15s);
  EXPECT_TRUE(back.has_value()) << "the thawed engine did not register again within 15 s";
  EXPECT_EQ(r.get(), pid);
  EXPECT_EQ(r.metadata().engine_id, first.engine_id);
  EXPECT_EQ(lb.apply(test_tasks::add, 1, 1).get(kResultWait), 2);
}

TEST_F(EngineFailureTest, TaskThatCrashesItsEngineRunsOnceWithoutRetries) {
  const std::string runs = (scratch_.path() / "runs").string();
  auto r = client_->load_balanced_view().apply(test_tasks::crash_engine, runs);
  EXPECT_THROW((void)r.get(kResultWait), herd::EngineLost);
  // Started once, crashed once: with no retries it must not run again.
  std::ifstream in(runs);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, 1) << "a task that crashed its engine ran " << lines
                      << " times with retries = 0";
}

TEST_F(EngineFailureTest, TaskThatCrashesItsEngineRunsOncePerAttempt) {
  const std::string runs = (scratch_.path() / "runs").string();
  auto r = client_->load_balanced_view().with({.retries = 1}).apply(test_tasks::crash_engine, runs);
  EXPECT_THROW((void)r.get(kResultWait), herd::EngineLost);
  std::ifstream in(runs);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, 2) << "with retries = 1 the task should run exactly twice";
}

TEST_F(EngineFailureTest, KilledEngineIsRestarted) {
  const std::string m = marker();
  auto r = client_->load_balanced_view().apply(test_tasks::announce_then_sleep, m, 10.0);
  const herd::EngineInfo victim = engine_that_wrote(m);
  kill_engine(victim);
  EXPECT_THROW((void)r.get(kResultWait), herd::EngineLost);
  // SPEC: "A simulation that crashes its engine is retried elsewhere; the
  // engine is restarted."
  const auto restarted = herd::test::wait_for_status(
      *client_, [](const herd::ClusterStatus& s) { return s.live_engines() == 2; }, 10s);
  ASSERT_TRUE(restarted.has_value()) << "the killed engine was not replaced within 10 s";
  const bool counted =
      std::any_of(restarted->engines.begin(), restarted->engines.end(),
                  [](const herd::EngineInfo& e) { return e.state != "lost" && e.restarts > 0; });
  EXPECT_TRUE(counted) << "the restarted engine reports restarts == 0";
}

TEST_F(EngineFailureTest, ControllerDeathFailsPendingResultsWithConnectionError) {
  herd::Client client(cluster_->client_file(), {.connection_timeout = 2s});
  const std::string m = marker();
  auto r = client.load_balanced_view().apply(test_tasks::announce_then_sleep, m, 10.0);
  engine_that_wrote(m);
  const auto status = client_->status();
  const pid_t controller = static_cast<pid_t>(status.controller_pid);
  ASSERT_TRUE(std::filesystem::exists(cluster_->run_dir() / "controller.pid"));
  ASSERT_EQ(::kill(controller, SIGKILL), 0);
  const auto killed_at = Clock::now();
  EXPECT_THROW((void)r.get(kResultWait), herd::ConnectionError);
  EXPECT_LT(Clock::now() - killed_at, 5s) << "connection_timeout is 2 s";
}

TEST_F(EngineFailureTest, KilledControllerIsRestartedAndItsLostTaskFailsInsteadOfHanging) {
  // Long enough that the restart below happens while the client still
  // trusts the connection: the client never goes silent for this long.
  herd::Client client(cluster_->client_file(), {.connection_timeout = 20s});
  const std::string m = marker();
  auto r = client.load_balanced_view().apply(test_tasks::announce_then_sleep, m, 60.0);
  engine_that_wrote(m);
  const auto url = client.url();
  const pid_t controller = static_cast<pid_t>(client_->status().controller_pid);
  const auto engine_pids = [](const herd::ClusterStatus& s) {
    std::vector<int64_t> pids;
    for (const auto& e : s.engines) pids.push_back(e.pid);
    std::sort(pids.begin(), pids.end());
    return pids;
  };
  const auto engines_before = engine_pids(client_->status());
  ASSERT_EQ(::kill(controller, SIGKILL), 0);
  // The cluster's supervisor starts a new controller on the old ports and
  // keys (it writes the connection files again, with its pid); the engines
  // register with it, each once.
  const auto deadline = Clock::now() + 15s;
  const auto rewritten = [&] {
    try {
      return herd::read_connection_file(cluster_->client_file()).controller_pid != controller;
    } catch (const herd::Error&) {
      return false;  // being written
    }
  };
  while (!rewritten() && Clock::now() < deadline) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(rewritten()) << "no controller was restarted within 15 s\n" << cluster_->log_tail();
  herd::Client fresh(cluster_->client_file());
  const auto restarted = herd::test::wait_for_status(
      fresh,
      [&](const herd::ClusterStatus& s) {
        return s.controller_pid != controller && s.live_engines() == 2;
      },
      15s);
  ASSERT_TRUE(restarted.has_value()) << "no restarted controller with 2 engines within 15 s\n"
                                     << cluster_->log_tail();
  EXPECT_EQ(engine_pids(*restarted), engines_before)
      << "the same engine processes register again, each once, none lost";
  EXPECT_EQ(herd::read_connection_file(cluster_->client_file()).url, url)
      << "the restarted controller did not reuse the old address";
  // The new controller never heard of the task: the client must learn that
  // its result is gone (ConnectionError), not wait forever.
  try {
    (void)r.get(15s);
    FAIL() << "the task cannot have succeeded: the controller that had it was killed";
  } catch (const herd::TimeoutError&) {
    FAIL() << "result lost: 15 s after the controller restarted the client still waits for a task "
              "the new controller never heard of";
  } catch (const herd::ConnectionError& e) {
    SUCCEED() << e.what();
  }
  // Both the old client and a new one can use the restarted cluster.
  EXPECT_EQ(client.load_balanced_view().apply(herd::builtin::whoami).get(kResultWait).host.empty(),
            false);
  EXPECT_EQ(fresh.load_balanced_view().apply(herd::builtin::whoami).get(kResultWait).host.empty(),
            false);
}

TEST(ConnectionTest, DeadAddressFailsPendingResultsWithConnectionError) {
  const std::string url = dead_address();
  ASSERT_FALSE(url.empty());
  const auto start = Clock::now();
  herd::Client client =
      herd::Client::connect(url, {.connection_timeout = 1s, .connect_timeout = 2s});
  auto r = client.load_balanced_view().apply(herd::builtin::whoami);
  EXPECT_THROW(r.get(kResultWait), herd::ConnectionError);
  EXPECT_LT(Clock::now() - start, kConnectBound) << "connect_timeout is 2 s";
  const auto status_start = Clock::now();
  EXPECT_THROW(client.status(30s), herd::ConnectionError);
  EXPECT_LT(Clock::now() - status_start, kConnectBound) << "connect_timeout is 2 s";
}

TEST(ConnectionTest, UnregisteredFunctionFailsWithoutACluster) {
  herd::Client client = herd::Client::connect(dead_address(), {.connection_timeout = 1s});
  EXPECT_THROW(client.load_balanced_view().apply(
                   +[](int x) { return x; }, 1),
               herd::UnknownTask);
}

TEST(ConnectionTest, ClosingAClientFailsItsPendingResults) {
  herd::AsyncResult<herd::WhoAmI> r;
  {
    herd::Client client = herd::Client::connect(dead_address(), {.connection_timeout = 60s});
    r = client.load_balanced_view().apply(herd::builtin::whoami);
  }
  EXPECT_THROW(r.get(5s), herd::ConnectionError);
}

TEST(ConnectionTest, WaitForEnginesOnADeadAddressFailsWithConnectionError) {
  herd::Client client = herd::Client::connect(dead_address(), {.connection_timeout = 60s});
  const auto start = Clock::now();
  EXPECT_THROW(client.wait_for_engines(1, 30s), herd::ConnectionError);
  EXPECT_LT(Clock::now() - start, kConnectBound) << "connect_timeout is 2 s";
}

// TimeoutError stays for a controller that answers but has too few engines.
TEST_F(EngineFailureTest, WaitForMoreEnginesThanThereAreTimesOut) {
  const auto start = Clock::now();
  EXPECT_THROW(client_->wait_for_engines(3, 500ms), herd::TimeoutError);
  EXPECT_LT(Clock::now() - start, 3s);
}

}  // namespace
