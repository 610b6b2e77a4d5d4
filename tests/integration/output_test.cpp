// What tasks write to stdout and stderr comes back with their results, per
// task and per map item (with each item's own times), cut at max_output,
// and never in the engine's log.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "herd/herd.hpp"
#include "support/cluster_suite.hpp"
#include "support/output_tasks.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kResultWait;

// One engine: every task runs in the process whose log the tests read.
class OutputTest : public herd::test::ClusterSuite<OutputTest, 1> {
 protected:
  // Every log of the cluster, concatenated.
  static std::string all_logs() {
    std::string text;
    for (const auto& entry : std::filesystem::directory_iterator(cluster().log_dir())) {
      std::ifstream in(entry.path());
      std::stringstream ss;
      ss << in.rdbuf();
      text += ss.str();
    }
    return text;
  }
};

herd::TaskMetadata finished(const herd::AsyncResult<int>& ar) {
  EXPECT_TRUE(ar.wait(kResultWait));
  return ar.metadata();
}

TEST_F(OutputTest, StdoutAndStderrComeBackApart) {
  const auto md = finished(lb().apply(output_tasks::print_apart, "printf-line", "cerr-line"));
  EXPECT_EQ(md.stdout_text, "printf-line\n");
  EXPECT_EQ(md.stderr_text, "cerr-line\n");
}

TEST_F(OutputTest, CoutWithEndlAndChildProcessesAreCaptured) {
  EXPECT_EQ(finished(lb().apply(output_tasks::print_endl, "cout-line")).stdout_text, "cout-line\n");
  const auto ar = lb().apply(output_tasks::print_from_child, "child-out", "child-err");
  ASSERT_EQ(ar.get(kResultWait), 0);
  EXPECT_EQ(ar.metadata().stdout_text, "child-out\n");
  EXPECT_EQ(ar.metadata().stderr_text, "child-err\n");
}

TEST_F(OutputTest, ATaskThatPrintsNothingGetsNothing) {
  (void)finished(lb().apply(output_tasks::print_apart, "before", "before"));
  const auto ar = lb().apply(test_tasks::add, 1, 2);
  ASSERT_EQ(ar.get(kResultWait), 3);
  EXPECT_EQ(ar.metadata().stdout_text, "");
  EXPECT_EQ(ar.metadata().stderr_text, "");
}

TEST_F(OutputTest, AFailedTaskKeepsItsOutput) {
  const auto ar = lb().apply(output_tasks::print_then_throw, "last-words");
  EXPECT_THROW((void)ar.get(kResultWait), herd::RemoteError);
  EXPECT_EQ(ar.metadata().stdout_text, "last-words\n");
}

TEST_F(OutputTest, MapItemsInAChunkHaveTheirOwnOutputAndTimes) {
  constexpr int kItems = 8, kChunk = 4;
  constexpr double kSleep = 0.02;
  std::vector<int> items;
  for (int i = 0; i < kItems; ++i) items.push_back(i);
  const auto m = lb().with({.chunksize = kChunk})
                     .map(output_tasks::print_item, items, std::vector<double>(kItems, kSleep));
  ASSERT_TRUE(m.wait(kResultWait));
  std::vector<herd::TaskMetadata> md;
  for (int i = 0; i < kItems; ++i) md.push_back(m[static_cast<size_t>(i)].metadata());
  for (int i = 0; i < kItems; ++i) {
    SCOPED_TRACE("item " + std::to_string(i));
    EXPECT_EQ(md[i].stdout_text, "item " + std::to_string(i) + " out\n");
    EXPECT_EQ(md[i].stderr_text, "item " + std::to_string(i) + " err\n");
    EXPECT_NE(md[i].engine_id, 0u);
    EXPECT_EQ(md[i].attempt, 1u);
    // Its own run, not the chunk's: at least its sleep, less than two.
    const auto took = md[i].completed - md[i].started;
    EXPECT_GE(took, 15ms);
    EXPECT_LT(took, std::chrono::duration<double>(kSleep * 2 + 0.5 * (kChunk - 1) * kSleep));
    if (i % kChunk != 0) {  // after the item before it, in the same chunk
      EXPECT_GE(md[i].started, md[i - 1].completed);
      EXPECT_GT(md[i].completed, md[i - 1].completed);
    }
  }
}

TEST_F(OutputTest, OutputIsCutAtMaxOutputWithAMarker) {
  const auto md = finished(lb().with({.max_output = 100}).apply(output_tasks::print_bytes, 1000));
  EXPECT_EQ(md.stdout_text, std::string(100, 'x') + "\n[herd: output cut at 100 bytes of 1000]\n");
  // Under the cap: whole, no marker.
  EXPECT_EQ(
      finished(lb().with({.max_output = 100}).apply(output_tasks::print_bytes, 100)).stdout_text,
      std::string(100, 'x'));
}

TEST_F(OutputTest, MaxOutputZeroCapturesNothing) {
  const auto md = finished(
      lb().with({.max_output = 0}).apply(output_tasks::print_apart, "dropped-out", "dropped-err"));
  EXPECT_EQ(md.stdout_text, "");
  EXPECT_EQ(md.stderr_text, "");
  // Nor does it reach the next task.
  const auto next = finished(lb().apply(output_tasks::print_apart, "next-out", "next-err"));
  EXPECT_EQ(next.stdout_text, "next-out\n");
  EXPECT_EQ(next.stderr_text, "next-err\n");
}

TEST_F(OutputTest, EngineLogsKeepHerdsOwnLinesOnly) {
  const std::string out = "marker-out-7d3f", err = "marker-err-7d3f";
  (void)finished(lb().apply(output_tasks::print_apart, out, err));
  (void)finished(lb().apply(output_tasks::print_from_child, out, err));
  (void)finished(lb().with({.max_output = 0}).apply(output_tasks::print_apart, out, err));
  const std::string logs = all_logs();
  EXPECT_EQ(logs.find(out), std::string::npos) << logs;
  EXPECT_EQ(logs.find(err), std::string::npos) << logs;
  EXPECT_NE(logs.find("registered with"), std::string::npos) << logs;
}

// Output that would make a result too large for the controller is dropped,
// not the result.
TEST(OutputLimitTest, OutputGoesFirstWhenTheResultWouldBeTooLarge) {
  using herd::test::ClusterOptions;
  herd::test::TestCluster cluster(1, "test",
                                  ClusterOptions{.extra_args = {"--max-message-mb", "1"}});
  cluster.client().wait_for_engines(1, herd::test::kEngineWait);
  const auto lb = cluster.client().load_balanced_view().with({.max_output = 4u << 20});
  const auto big = lb.apply(output_tasks::print_bytes, int64_t{3} << 20);
  EXPECT_EQ(big.get(kResultWait), 0);
  EXPECT_EQ(big.metadata().stdout_text, "");
  const auto small = lb.apply(output_tasks::print_bytes, 10);
  ASSERT_TRUE(small.wait(kResultWait));
  EXPECT_EQ(small.metadata().stdout_text, std::string(10, 'x'));
}

}  // namespace
