// Which engine runs what: engines that offer different tasks, and the queue
// between them.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "herd/herd.hpp"
#include "support/cluster_suite.hpp"
#include "support/temp_dir.hpp"
#include "support/test_cluster.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kEngineWait;
using herd::test::kResultWait;
using herd::test::RunResult;
using Clock = std::chrono::steady_clock;

// One engine with the test tasks, one with only the extra library.
class MixedEnginesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      cluster_ = std::make_unique<herd::test::TestCluster>(1, "mixed");
      const RunResult r = cluster_->herd({"cluster", "engines", "--n", "1", "--profile", "mixed",
                                          "--load", herd::test::extra_tasks_library()});
      if (r.exit_code != 0) throw std::runtime_error("herd cluster engines: " + r.describe());
      cluster_->client().wait_for_engines(2, kEngineWait);
    } catch (const std::exception& e) {
      error_ = e.what();
      cluster_.reset();
    }
  }
  static void TearDownTestSuite() { cluster_.reset(); }
  void SetUp() override {
    if (!cluster_) FAIL() << "the suite's cluster did not start: " << error_;
  }
  static herd::LoadBalancedView lb() { return cluster_->client().load_balanced_view(); }

  static inline std::unique_ptr<herd::test::TestCluster> cluster_;
  static inline std::string error_;
  const herd::Task<std::string()> only_extra_{"only_extra"};
};

TEST_F(MixedEnginesTest, EachTaskGoesToAnEngineThatOffersIt) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(lb().apply(only_extra_).get(kResultWait), "extra");
    EXPECT_EQ(lb().apply(test_tasks::add, i, 1).get(kResultWait), i + 1);
  }
}

TEST_F(MixedEnginesTest, BothEnginesOfferTheBuiltins) {
  auto m = lb().map(herd::builtin::shell, std::vector<std::string>(6, "echo ok"));
  for (const auto& r : m.get(kResultWait)) EXPECT_EQ(r.out, "ok\n");
}

TEST_F(MixedEnginesTest, ATaskForAnIdleEngineDoesNotWaitBehindOthers) {
  // The test-task engine gets one long task and has a second queued for it;
  // the extra engine is idle, so its task should start at once instead of
  // waiting behind the queued task it cannot run.
  auto running = lb().apply(test_tasks::sleep_for, 3.0);
  auto queued = lb().apply(test_tasks::sleep_for, 0.1);
  const auto start = Clock::now();
  auto extra = lb().apply(only_extra_);
  EXPECT_EQ(extra.get(kResultWait), "extra");
  EXPECT_LT(Clock::now() - start, 2s) << "a task for an idle engine waited behind a queued task "
                                         "for a busy one (head-of-line blocking)";
  EXPECT_TRUE(running.wait(kResultWait));
  EXPECT_TRUE(queued.wait(kResultWait));
}

TEST_F(MixedEnginesTest, ATaskForAnIdleEngineDoesNotWaitBehindALongQueueItCannotJoin) {
  // 2,000 tasks wait for the busy test-task engine; a task only the idle
  // extra engine offers comes after them. Dispatch once looked at 1,024
  // queued tasks per turn, so it waited for the backlog to shrink.
  auto running = lb().apply(test_tasks::sleep_for, 2.0);
  std::vector<herd::AsyncResult<int>> backlog;
  for (int i = 0; i < 2000; ++i) backlog.push_back(lb().apply(test_tasks::add, i, 1));
  const auto start = Clock::now();
  EXPECT_EQ(lb().apply(only_extra_).get(kResultWait), "extra");
  EXPECT_LT(Clock::now() - start, 1500ms)
      << "a task for an idle engine waited behind a backlog it could not join";
  EXPECT_TRUE(running.wait(kResultWait));
  for (auto& r : backlog) EXPECT_TRUE(r.wait(kResultWait));
}

// Clients share the cluster: behind another client's long queue, a
// client's next task waits for about one task per engine, not for the queue.
TEST(SharedClusterTest, AClientsTaskDoesNotWaitBehindAnotherClientsQueue) {
  herd::test::TestCluster cluster(2);
  herd::Client busy(cluster.client_file());
  busy.wait_for_engines(2, kEngineWait);
  auto busy_lb = busy.load_balanced_view();
  std::vector<herd::AsyncResult<double>> queued;
  for (int i = 0; i < 4000; ++i) queued.push_back(busy_lb.apply(test_tasks::sleep_for, 0.005));
  const auto deadline = Clock::now() + 30s;
  while (busy.status().queue_depth < 3000 && Clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_GE(busy.status().queue_depth, 3000u) << "the first client's queue did not build up";

  // Before clients took turns, each of these waited for the whole queue
  // (about 10 s of 5 ms tasks on 2 engines).
  herd::Client other(cluster.client_file());
  auto lb = other.load_balanced_view();
  for (int i = 0; i < 10; ++i) {
    const auto start = Clock::now();
    EXPECT_EQ(lb.apply(test_tasks::add, i, 1).get(kResultWait), i + 1);
    EXPECT_LT(Clock::now() - start, 2s) << "task " << i << " waited behind the other queue";
  }
  EXPECT_GT(busy.status().queue_depth, 0u) << "the first queue drained: the test proved nothing";
}

// Prefetching with work stealing, the default: an engine holds a few
// milliseconds of learnt work ahead, and an idle engine gets back the tasks
// that another holds behind a long one.
size_t lines_in(const std::filesystem::path& file) {
  std::ifstream in(file);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

TEST(PrefetchTest, TasksHeldBehindALongOneRunOnAnIdleEngineAndOnlyOnce) {
  herd::test::TestCluster cluster(2, "steal");
  herd::test::TempDir dir("herd-steal");
  auto& client = cluster.client();
  client.wait_for_engines(2, kEngineWait);
  auto lb = client.load_balanced_view();
  const auto path = [&](const std::string& name) { return (dir.path() / name).string(); };
  // The controller learns that log_run is short, so engines get several ahead.
  for (int i = 0; i < 10; ++i) lb.apply(test_tasks::log_run, path("warm"), 0.001).get(kResultWait);

  const auto start = std::chrono::system_clock::now();
  auto long_one = lb.apply(test_tasks::log_run, path("long"), 3.0);
  std::vector<herd::AsyncResult<int64_t>> shorts;
  for (int i = 0; i < 12; ++i)
    shorts.push_back(lb.apply(test_tasks::log_run, path("short" + std::to_string(i)), 0.05));
  size_t late = 0;
  for (auto& s : shorts) {
    ASSERT_TRUE(s.wait(kResultWait));
    if (s.metadata().completed - start > 2s) ++late;
  }
  // The engine running the long task gave back what it held ahead.
  EXPECT_EQ(late, 0u) << "short tasks waited behind the long one instead of being stolen";
  ASSERT_TRUE(long_one.wait(kResultWait));
  EXPECT_EQ(lines_in(path("long")), 1u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(lines_in(path("short" + std::to_string(i))), 1u)
        << "short task " << i << " ran twice";
    EXPECT_EQ(shorts[static_cast<size_t>(i)].metadata().attempt, 1u)
        << "a stolen task used an attempt";
  }
}

}  // namespace
