// Running tasks on a real cluster: results, ordered maps, payloads, built-in
// tasks, waiting, and the controller's counters.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"
#include "support/cluster_suite.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kResultWait;

class ApplyTest : public herd::test::ClusterSuite<ApplyTest, 2> {};

TEST_F(ApplyTest, ApplyReturnsTheValue) {
  EXPECT_EQ(lb().apply(test_tasks::add, 2, 40).get(kResultWait), 42);
  EXPECT_EQ(lb().apply(test_tasks::echo, std::string("hello")).get(kResultWait), "hello");
}

TEST_F(ApplyTest, ApplyByDeclaredTask) {
  const herd::Task<int(int, int)> add{"add"};
  EXPECT_EQ(lb().apply(add, -5, 3).get(kResultWait), -2);
}

TEST_F(ApplyTest, ArgumentsConvertToParameterTypes) {
  // A string literal for a std::string parameter, a short for an int.
  EXPECT_EQ(lb().apply(test_tasks::echo, "literal").get(kResultWait), "literal");
  const short s = 7;
  EXPECT_EQ(lb().apply(test_tasks::add, s, 1).get(kResultWait), 8);
}

TEST_F(ApplyTest, StructAndVectorRoundTrip) {
  const test_tasks::Point p{1.0, 2.0, "origin"};
  EXPECT_EQ(lb().apply(test_tasks::shift, p, 0.5, -2.0).get(kResultWait),
            (test_tasks::Point{1.5, 0.0, "origin"}));
  EXPECT_EQ(lb().apply(test_tasks::scale, std::vector<double>{1, 2, 3}, 2.0).get(kResultWait),
            (std::vector<double>{2, 4, 6}));
}

TEST_F(ApplyTest, ResultMetadataNamesTheEngine) {
  auto r = lb().apply(test_tasks::add, 1, 1);
  ASSERT_EQ(r.get(kResultWait), 2);
  const herd::TaskMetadata md = r.metadata();
  EXPECT_EQ(md.task_id, r.id());
  EXPECT_GT(md.engine_id, 0u);
  EXPECT_FALSE(md.host.empty());
  EXPECT_EQ(md.attempt, 1u);
  EXPECT_LE(md.started, md.completed);
}

TEST_F(ApplyTest, TaskSeesItsOwnContext) {
  auto r = lb().apply(test_tasks::context);
  const std::string seen = r.get(kResultWait);
  // "task_id|engine_id|attempt|$HERD_TASK_ID|$HERD_ENGINE_ID"
  const std::string engine = std::to_string(r.metadata().engine_id);
  EXPECT_EQ(seen, r.id() + "|" + engine + "|1|" + r.id() + "|" + engine);
}

TEST_F(ApplyTest, MapReturnsResultsInInputOrder) {
  constexpr int kItems = 200;
  std::vector<int> a(kItems), b(kItems, 1000);
  std::iota(a.begin(), a.end(), 0);
  auto m = lb().map(test_tasks::add, a, b);
  EXPECT_EQ(m.size(), static_cast<size_t>(kItems));
  const std::vector<int> all = m.get(kResultWait);
  ASSERT_EQ(all.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(all[static_cast<size_t>(i)], i + 1000) << "index " << i;
  EXPECT_TRUE(m.successful());
}

TEST_F(ApplyTest, LargeMapOfSmallTasks) {
  constexpr int kItems = 5000;
  std::vector<int> a(kItems);
  std::iota(a.begin(), a.end(), 0);
  const auto all = lb().map(test_tasks::add, a, a).get(60s);
  ASSERT_EQ(all.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) ASSERT_EQ(all[static_cast<size_t>(i)], 2 * i) << "index " << i;
}

TEST_F(ApplyTest, MapSpreadsOverEngines) {
  // Slow enough that one engine cannot take every item before the other is free.
  auto m = lb().map(test_tasks::pid_after, std::vector<double>(6, 0.2));
  const auto pids = m.get(kResultWait);
  EXPECT_EQ(std::set<int64_t>(pids.begin(), pids.end()).size(), 2u);
}

TEST_F(ApplyTest, MapByDeclaredTaskAndOtherContainers) {
  const herd::Task<std::string(std::string)> echo{"echo"};
  const std::vector<std::string> words{"a", "bb", "ccc"};
  EXPECT_EQ(lb().map(echo, words).get(kResultWait), words);
}

TEST_F(ApplyTest, MapOfNothing) {
  auto m = lb().map(test_tasks::add, std::vector<int>{}, std::vector<int>{});
  EXPECT_EQ(m.size(), 0u);
  EXPECT_TRUE(m.get(kResultWait).empty());
}

TEST_F(ApplyTest, MapWithUnequalLengthsThrows) {
  EXPECT_THROW(lb().map(test_tasks::add, std::vector<int>{1, 2}, std::vector<int>{1}), herd::Error);
}

TEST_F(ApplyTest, LargeBytesRoundTripIntact) {
  constexpr size_t kSize = 8u << 20;
  std::vector<std::byte> data(kSize);
  for (size_t i = 0; i < kSize; ++i) data[i] = static_cast<std::byte>((i * 131 + i / 4096) & 0xff);
  const herd::Bytes sent(data);
  const herd::Bytes back = lb().apply(test_tasks::echo_bytes, sent).get(kResultWait);
  ASSERT_EQ(back.size(), kSize);
  EXPECT_TRUE(back == sent) << "8 MB payload changed on its way";
}

TEST_F(ApplyTest, EmptyBytesAndStrings) {
  EXPECT_TRUE(lb().apply(test_tasks::echo_bytes, herd::Bytes()).get(kResultWait).empty());
  EXPECT_EQ(lb().apply(test_tasks::echo, std::string()).get(kResultWait), "");
}

TEST_F(ApplyTest, GetWithShortTimeoutThrowsThenResultStillArrives) {
  auto r = lb().apply(test_tasks::sleep_for, 2.0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)r.get(50ms), herd::TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_FALSE(r.ready());
  EXPECT_DOUBLE_EQ(r.get(kResultWait), 2.0);
  EXPECT_TRUE(r.ready());
  EXPECT_TRUE(r.successful());
}

TEST_F(ApplyTest, WaitReportsWhetherFinished) {
  auto r = lb().apply(test_tasks::sleep_for, 1.0);
  EXPECT_FALSE(r.wait(10ms));
  EXPECT_TRUE(r.wait(kResultWait));
}

TEST_F(ApplyTest, SuccessfulOnUnfinishedResultThrowsNotReady) {
  auto r = lb().apply(test_tasks::sleep_for, 1.0);
  EXPECT_THROW((void)r.successful(), herd::NotReady);
  ASSERT_TRUE(r.wait(kResultWait));
  EXPECT_TRUE(r.successful());
}

TEST_F(ApplyTest, VoidTask) {
  auto r = lb().apply(herd::builtin::sleep, 0.01);
  EXPECT_NO_THROW(r.get(kResultWait));
  EXPECT_TRUE(r.successful());
}

TEST_F(ApplyTest, BuiltinShell) {
  const herd::ShellResult r =
      lb().apply(herd::builtin::shell, "echo out; echo err >&2; exit 4").get(kResultWait);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST_F(ApplyTest, BuiltinShellSeesTheEngineEnvironment) {
  const herd::ShellResult r =
      lb().apply(herd::builtin::shell, "echo $HERD_ENGINE_ID").get(kResultWait);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out, "\n") << "HERD_ENGINE_ID is not set in the engine";
}

TEST_F(ApplyTest, BuiltinWhoami) {
  const herd::WhoAmI who = lb().apply(herd::builtin::whoami).get(kResultWait);
  EXPECT_FALSE(who.host.empty());
  EXPECT_GT(who.pid, 0);
  EXPECT_NE(who.pid, static_cast<int64_t>(::getpid())) << "the task ran in this process";
  const auto status = client().status();
  const bool known = std::any_of(status.engines.begin(), status.engines.end(),
                                 [&](const herd::EngineInfo& e) { return e.pid == who.pid; });
  EXPECT_TRUE(known) << "whoami's pid " << who.pid << " is not an engine in status()";
}

TEST_F(ApplyTest, BuiltinSleep) {
  auto r = lb().apply(herd::builtin::sleep, 0.3);
  EXPECT_TRUE(r.wait(kResultWait));
  EXPECT_TRUE(r.successful());
}

TEST_F(ApplyTest, StatusListsLiveEnginesAndCountsTasks) {
  const herd::ClusterStatus before = client().status();
  EXPECT_EQ(before.live_engines(), 2u);
  EXPECT_GT(before.controller_pid, 0);
  EXPECT_FALSE(before.client_url.empty());
  EXPECT_FALSE(before.engine_url.empty());
  for (const auto& e : before.engines) {
    EXPECT_GT(e.id, 0u);
    EXPECT_GT(e.pid, 0);
    EXPECT_FALSE(e.host.empty());
    EXPECT_TRUE(e.state == "idle" || e.state == "busy") << e.state;
  }
  auto m = lb().map(test_tasks::add, std::vector<int>{1, 2, 3, 4, 5}, std::vector<int>{0, 0, 0, 0, 0});
  ASSERT_EQ(m.get(kResultWait).size(), 5u);
  const herd::ClusterStatus after = client().status();
  EXPECT_EQ(after.tasks_done, before.tasks_done + 5);
  EXPECT_EQ(after.tasks_failed, before.tasks_failed);
  uint64_t engine_done_before = 0, engine_done_after = 0;
  for (const auto& e : before.engines) engine_done_before += e.tasks_done;
  for (const auto& e : after.engines) engine_done_after += e.tasks_done;
  EXPECT_EQ(engine_done_after, engine_done_before + 5);
}

TEST_F(ApplyTest, IdsListsLiveEngines) {
  const auto ids = client().ids();
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(std::set<uint32_t>(ids.begin(), ids.end()).size(), 2u);
}

TEST_F(ApplyTest, ManyClientsAtOnce) {
  herd::Client other(cluster().client_file());
  auto mine = lb().apply(test_tasks::add, 1, 2);
  auto theirs = other.load_balanced_view().apply(test_tasks::add, 3, 4);
  EXPECT_EQ(mine.get(kResultWait), 3);
  EXPECT_EQ(theirs.get(kResultWait), 7);
}

TEST_F(ApplyTest, ConcurrentSubmissionsFromManyThreads) {
  constexpr int kThreads = 4, kPerThread = 300;
  std::vector<std::vector<int>> got(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        std::vector<herd::AsyncResult<int>> results;
        for (int i = 0; i < kPerThread; ++i) results.push_back(lb().apply(test_tasks::add, t * 1000, i));
        for (auto& r : results) got[static_cast<size_t>(t)].push_back(r.get(kResultWait));
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(t)] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[static_cast<size_t>(t)], "") << "thread " << t;
    ASSERT_EQ(got[static_cast<size_t>(t)].size(), static_cast<size_t>(kPerThread)) << "thread " << t;
    for (int i = 0; i < kPerThread; ++i)
      ASSERT_EQ(got[static_cast<size_t>(t)][static_cast<size_t>(i)], t * 1000 + i) << "thread " << t;
  }
}

TEST_F(ApplyTest, ClosingAClientWithTasksInFlight) {
  herd::AsyncResult<double> r;
  {
    herd::Client other(cluster().client_file());
    r = other.load_balanced_view().apply(test_tasks::sleep_for, 0.5);
  }
  EXPECT_THROW((void)r.get(kResultWait), herd::ConnectionError);
  // The controller copes with a result for a client that left.
  EXPECT_EQ(lb().apply(test_tasks::add, 1, 1).get(kResultWait), 2);
  auto late = lb().apply(test_tasks::sleep_for, 0.6);
  EXPECT_DOUBLE_EQ(late.get(kResultWait), 0.6);
}

TEST_F(ApplyTest, ResultsOutliveTheView) {
  herd::AsyncResult<int> r;
  {
    auto view = client().load_balanced_view();
    r = view.apply(test_tasks::add, 20, 22);
  }
  EXPECT_EQ(r.get(kResultWait), 42);
}

}  // namespace
