// Every task gets an answer, exactly once: a client's session survives a cut
// connection, messages over the size limit fail as TaskTooLarge without
// harming anyone, a client that dies leaves no work behind, submissions made
// while the controller is down are either run and answered or failed and not
// run, and a stopping cluster says so.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"
#include "support/child_process.hpp"
#include "support/cluster_suite.hpp"
#include "support/eventually.hpp"
#include "support/tcp_proxy.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using herd::test::ChildProcess;
using herd::test::ClusterOptions;
using herd::test::kEngineWait;
using herd::test::kResultWait;
using herd::test::TestCluster;

uint16_t port_of(const std::string& url) {
  return static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

using herd::test::eventually;

// ---- a cut connection ------------------------------------------------------------

TEST(SessionTest, ResultsSurviveCutConnectionsAndNoTaskRunsTwice) {
  TestCluster cluster(2);
  herd::test::TcpProxy proxy(port_of(herd::read_connection_file(cluster.client_file()).url));
  auto info = herd::read_connection_file(cluster.client_file());
  info.url = proxy.url();
  herd::Client client(info);
  client.wait_for_engines(2, kEngineWait);
  auto lb = client.load_balanced_view();

  constexpr int64_t kTasks = 5000;
  std::vector<herd::AsyncResult<std::pair<int64_t, int64_t>>> results;
  for (int64_t i = 0; i < kTasks; ++i)
    results.push_back(lb.apply(test_tasks::tag_with_pid, i, 0.0005));
  // Cut while results flow both ways, twice.
  for (int cut = 0; cut < 2; ++cut) {
    ASSERT_TRUE(eventually(
        [&] { return results[static_cast<size_t>(kTasks / 4 * (cut + 1))].ready(); }, 60s));
    proxy.cut();
  }
  for (int64_t i = 0; i < kTasks; ++i)
    ASSERT_EQ(results[static_cast<size_t>(i)].get(kResultWait).first, i) << "task " << i;
  EXPECT_EQ(proxy.cuts(), 2);
  // Each ran once: the controller counted exactly that many.
  EXPECT_EQ(client.status().tasks_done, static_cast<uint64_t>(kTasks));
}

// ---- limits ----------------------------------------------------------------------

TEST(SessionTest, MessagesOverTheLimitFailAsTaskTooLargeAndHarmNobody) {
  TestCluster cluster(1, "test", ClusterOptions{.extra_args = {"--max-message-mb", "1"}});
  auto& client = cluster.client();
  client.wait_for_engines(1, kEngineWait);
  auto lb = client.load_balanced_view();
  constexpr uint64_t kLimit = uint64_t{1} << 20;

  const auto start = Clock::now();
  try {
    (void)lb.apply(test_tasks::echo, std::string(kLimit + kLimit / 2, 'a')).get(kResultWait);
    FAIL() << "an argument over the limit was sent";
  } catch (const herd::TaskTooLarge& e) {
    EXPECT_GT(e.size(), kLimit);
    EXPECT_EQ(e.limit(), kLimit);
  }
  EXPECT_LT(Clock::now() - start, 2s) << "the client sees the size: it fails at once";
  EXPECT_EQ(lb.apply(test_tasks::echo, std::string("next")).get(kResultWait), "next");

  try {
    (void)lb.apply(test_tasks::filler, int64_t(kLimit * 2)).get(kResultWait);
    FAIL() << "a result over the limit arrived";
  } catch (const herd::TaskTooLarge& e) {
    EXPECT_GT(e.size(), kLimit);
    EXPECT_EQ(e.limit(), kLimit);
  }
  const auto status = client.status();
  EXPECT_EQ(status.live_engines(), 1u);
  EXPECT_EQ(status.engines.size(), 1u) << "no engine was lost";
  EXPECT_EQ(lb.apply(test_tasks::echo, std::string("still")).get(kResultWait), "still");
}

// ---- a client that dies ----------------------------------------------------------

// In a child process (forked before this process starts any thread): a
// client that queues `tasks` slow tasks, says so on `ready`, then waits to
// be killed.
[[noreturn]] void queue_and_wait(const fs::path& client_file, int tasks, int ready) {
  try {
    herd::Client client(client_file);
    auto lb = client.load_balanced_view();
    std::vector<herd::AsyncResult<double>> results;
    for (int i = 0; i < tasks; ++i) results.push_back(lb.apply(test_tasks::sleep_for, 0.01));
    const auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline && client.status().queue_depth < uint64_t(tasks) / 2)
      std::this_thread::sleep_for(50ms);
    (void)!::write(ready, "r", 1);
    std::this_thread::sleep_for(120s);
  } catch (...) {
  }
  ::_exit(1);
}

TEST(SessionTest, AKilledClientsQueueIsDroppedWithinTheClientTimeout) {
  TestCluster cluster(2, "test", ClusterOptions{.extra_args = {"--client-timeout", "2"}});
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) queue_and_wait(cluster.client_file(), 100'000, ready[1]);
  ::close(ready[1]);
  char byte = 0;
  const bool queued = ::read(ready[0], &byte, 1) == 1;  // the child exits (EOF) if it fails
  ::close(ready[0]);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(queued) << "the first client did not queue its tasks";

  auto& client = cluster.client();
  const auto start = Clock::now();
  EXPECT_EQ(client.load_balanced_view().apply(test_tasks::echo, std::string("mine")).get(30s),
            "mine");
  // 2 s of silence, the controller's 100 ms timer, tasks of 10 ms already
  // running, and slack for a loaded machine.
  EXPECT_LT(Clock::now() - start, 8s);
  EXPECT_TRUE(eventually([&] { return client.status().queue_depth == 0; }, 10s));
}

// ---- a controller down while a client submits -----------------------------------

TEST(SessionTest, TasksSubmittedDuringAnOutageRunOnceOrFailWithoutRunning) {
  herd::test::TempDir dir("herd-outage");
  const std::map<std::string, std::string> env = {{"HERD_DIR", dir.path().string()}};
  const std::string herd = herd::test::herd_binary();
  auto controller = [&] {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{herd, "controller", "--profile", "p"}, env,
        dir.path() / "controller.out", dir.path() / "controller.err");
  };
  auto first = controller();
  const fs::path client_file = dir.path() / "profile_p" / "security" / "client.json";
  ASSERT_TRUE(eventually([&] { return fs::exists(client_file); }, 10s)) << first->describe();
  std::vector<std::unique_ptr<ChildProcess>> engines;
  for (int i = 0; i < 2; ++i)
    engines.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{herd, "engine", "--profile", "p", "--load",
                                 herd::test::test_tasks_library()},
        env, dir.path() / "engine.out", dir.path() / "engine.err"));
  herd::Client client(client_file);
  client.wait_for_engines(2, kEngineWait);
  auto lb = client.load_balanced_view();

  first->signal(SIGKILL);
  ASSERT_TRUE(first->wait(5s).has_value());
  std::vector<herd::AsyncResult<int64_t>> results;
  std::vector<fs::path> marks;
  // Submitted over 2 s of a 3 s outage, as a program that goes on working
  // would: the first ones may reach the dead connection before the client
  // (or ZeroMQ) has noticed it is gone.
  for (int i = 0; i < 100; ++i) {
    marks.push_back(dir.path() / ("ran-" + std::to_string(i)));
    results.push_back(lb.apply(test_tasks::announce_then_sleep, marks.back().string(), 0.0));
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(1s);  // the rest of the outage, not a synchronisation
  auto second = controller();
  int answered = 0, ran = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    try {
      (void)results[i].get(kResultWait);
      ++ran;
      EXPECT_TRUE(fs::exists(marks[i])) << "task " << i << " answered without running";
    } catch (const herd::ConnectionError& e) {
      EXPECT_FALSE(fs::exists(marks[i]))
          << "task " << i << " failed (" << e.what() << ") although it ran";
    }
    ++answered;
  }
  EXPECT_EQ(answered, 100);
  // Tasks sent in the instant before the client saw its connection go may
  // fail (not run); those it held ran once the new controller welcomed it.
  EXPECT_GT(ran, 50) << "held tasks should run after the restart";
}

// ---- no engine left ----------------------------------------------------------------

// A task that kills every engine it runs on, with retries to spare: its
// supervisor gives the only engine slot up after repeated quick deaths, and
// the task must then fail, not wait in the queue for ever.
TEST(SessionTest, ATaskThatKilledEveryEngineFailsWhenNoEngineIsLeft) {
  TestCluster cluster(1);
  auto& client = cluster.client();
  client.wait_for_engines(1, kEngineWait);
  herd::test::TempDir dir("herd-poison");
  auto r = client.load_balanced_view()
               .with({.retries = 100})
               .apply(test_tasks::crash_engine, (dir.path() / "runs").string());
  try {
    (void)r.get(90s);
    FAIL() << "a task that kills its engine succeeded";
  } catch (const herd::EngineLost& e) {
    EXPECT_NE(std::string(e.what()).find("no engine"), std::string::npos) << e.what();
  }
  EXPECT_EQ(client.status().live_engines(), 0u);
}

// ---- a stopping cluster ----------------------------------------------------------

TEST(SessionTest, StoppingTheClusterFailsEveryOpenTaskWithConnectionErrorAtOnce) {
  TestCluster cluster(2);
  herd::Client client(cluster.client_file());  // the cluster's own closes before it stops
  client.wait_for_engines(2, kEngineWait);
  auto lb = client.load_balanced_view();
  std::vector<herd::AsyncResult<double>> results;
  for (int i = 0; i < 20; ++i) results.push_back(lb.apply(test_tasks::sleep_for, 30.0));
  ASSERT_TRUE(eventually([&] { return client.status().queue_depth == 18; }, 10s));

  const auto start = Clock::now();
  cluster.stop();
  for (auto& r : results) {
    try {
      (void)r.get(1s);
      ADD_FAILURE() << "a 30 s task finished";
    } catch (const herd::ConnectionError& e) {
      EXPECT_NE(std::string(e.what()).find("stopped"), std::string::npos) << e.what();
    }
  }
  EXPECT_LT(Clock::now() - start, herd::test::kStopBound + 1s);
}

}  // namespace
