// Tasks that wait for others on a real cluster: `after` ordering, results
// fed from task to task (chains too), failed and aborted prerequisites, and
// after_failure_ok. Prerequisites still running when their dependents are
// submitted take the controller's path; finished ones the client's.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "herd/herd.hpp"
#include "support/cluster_suite.hpp"
#include "support/output_tasks.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kResultWait;
using test_tasks::add;
using test_tasks::add_after;
using test_tasks::fail_after;
using test_tasks::sleep_for;
using Clock = std::chrono::steady_clock;

// How long a prerequisite runs: long enough that its dependents are
// submitted (and reach the controller) while it still runs.
constexpr double kRun = 0.5;

class DependencyTest : public herd::test::ClusterSuite<DependencyTest, 3> {};

// Expects `r` to fail with DependencyError naming `prerequisite`; returns its message.
template <class R>
std::string dependency_error(const herd::AsyncResult<R>& r, const std::string& prerequisite) {
  try {
    (void)r.get(kResultWait);
  } catch (const herd::DependencyError& e) {
    EXPECT_EQ(e.prerequisite(), prerequisite) << e.what();
    EXPECT_NE(std::string(e.what()).find(prerequisite), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no DependencyError";
  return "";
}

TEST_F(DependencyTest, AfterStartsOnlyOnceThePrerequisitesCompleted) {
  auto first = lb().apply(sleep_for, kRun);
  auto second = lb().apply(sleep_for, kRun / 2);
  // Two engines are free: without `after` it would start at once.
  auto last = lb().with({.after = {first, second}}).apply(sleep_for, 0.0);
  ASSERT_EQ(last.get(kResultWait), 0.0);
  EXPECT_GE(last.metadata().started, first.metadata().completed);
  EXPECT_GE(last.metadata().started, second.metadata().completed);
}

TEST_F(DependencyTest, AfterAMapWaitsForEveryItem) {
  auto m = lb().with({.chunksize = 1}).map(sleep_for, std::vector<double>{kRun, 0.1, 0.2});
  auto last = lb().with({.after = {m}}).apply(sleep_for, 0.0);
  (void)last.get(kResultWait);
  for (const auto& md : m.metadata()) EXPECT_GE(last.metadata().started, md.completed);
}

TEST_F(DependencyTest, AResultFeedsTheNextTask) {
  auto a = lb().apply(add_after, 1, 2, kRun);
  auto b = lb().apply(add, a, 10);  // submitted while `a` runs
  EXPECT_FALSE(a.ready());
  EXPECT_EQ(b.get(kResultWait), 13);
  // A finished result feeds a task too.
  EXPECT_EQ(lb().apply(add, 5, a).get(kResultWait), 8);
}

TEST_F(DependencyTest, AChainOfThree) {
  auto a = lb().apply(add_after, 1, 2, kRun);
  auto b = lb().apply(add_after, a, 10, 0.1);
  auto c = lb().apply(add, b, a);
  EXPECT_EQ(c.get(kResultWait), 16);
  EXPECT_GE(b.metadata().started, a.metadata().completed);
  EXPECT_GE(c.metadata().started, b.metadata().completed);
}

TEST_F(DependencyTest, AMapItemFeedsATaskFromTheClient) {
  auto m = lb().map(add_after, std::vector<int>{1, 2}, std::vector<int>{3, 4},
                    std::vector<double>{0.1, 0.1});
  auto b = lb().apply(add, m[1], 10);
  auto c = lb().with({.after = {m}}).apply(add, m[0], b);
  EXPECT_EQ(b.get(kResultWait), 16);
  EXPECT_EQ(c.get(kResultWait), 20);
}

TEST_F(DependencyTest, AProducersOutputIsNotTakenForItsResult) {
  auto printed = lb().apply(output_tasks::print_apart, std::string("hello"), std::string("err"));
  EXPECT_EQ(lb().apply(add, printed, 1).get(kResultWait), 1);
}

TEST_F(DependencyTest, AStringResultFeedsATaskUntouched) {
  const std::string big(3 << 20, 'x');
  auto a = lb().apply(test_tasks::echo, big);
  auto b = lb().apply(test_tasks::echo, a);
  EXPECT_EQ(b.get(kResultWait), big);
}

TEST_F(DependencyTest, AFailedPrerequisiteFailsTheDependentNamingIt) {
  auto bad = lb().apply(fail_after, kRun, std::string("boom"));
  auto after = lb().with({.after = {bad}}).apply(add, 1, 2);
  auto fed = lb().apply(add, bad, 1);
  EXPECT_NE(dependency_error(after, bad.id()).find("boom"), std::string::npos);
  EXPECT_NE(dependency_error(fed, bad.id()).find("boom"), std::string::npos);
  // The dependent never ran.
  EXPECT_EQ(after.metadata().engine_id, 0u);
  // A failure the client already holds fails a new dependent too.
  auto later = lb().with({.after = {bad}}).apply(add, 1, 2);
  EXPECT_NE(dependency_error(later, bad.id()).find("boom"), std::string::npos);
}

TEST_F(DependencyTest, AFailureSpreadsDownAChain) {
  auto bad = lb().apply(fail_after, kRun, std::string("boom"));
  auto b = lb().apply(add, bad, 1);
  auto c = lb().apply(add, b, 1);
  dependency_error(b, bad.id());
  dependency_error(c, b.id());
}

TEST_F(DependencyTest, AfterFailureOkRunsAnyway) {
  auto bad = lb().apply(fail_after, kRun, std::string("boom"));
  auto anyway = lb().with({.after = {bad}, .after_failure_ok = true}).apply(add, 1, 2);
  EXPECT_EQ(anyway.get(kResultWait), 3);
  EXPECT_GE(anyway.metadata().started, bad.metadata().completed);
}

TEST_F(DependencyTest, AnAbortedPrerequisiteFailsItsDependentsAtOnce) {
  auto running = lb().apply(sleep_for, 30.0);
  auto waiting = lb().with({.after = {running}}).apply(add, 1, 2);
  auto slow = lb().apply(add_after, 1, 1, 30.0);
  auto fed = lb().apply(add, slow, 1);
  ASSERT_FALSE(waiting.wait(200ms));  // it really waits
  const auto aborted_at = Clock::now();
  running.abort();
  slow.abort();
  dependency_error(waiting, running.id());
  dependency_error(fed, slow.id());
  EXPECT_LT(Clock::now() - aborted_at, 1s);
}

TEST_F(DependencyTest, FollowRunsOnTheEngineThatRanThePrerequisite) {
  // Six prerequisites spread over the three engines; each follower must
  // find its own one's engine, which a free choice would often miss.
  std::vector<herd::AsyncResult<int64_t>> first, then;
  for (int i = 0; i < 6; ++i) first.push_back(lb().apply(test_tasks::pid_after, kRun / 2));
  for (const auto& f : first)
    then.push_back(lb().with({.follow = {f}}).apply(test_tasks::engine_pid));
  std::set<int64_t> engines;
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(then[i].get(kResultWait), first[i].get(kResultWait)) << "pair " << i;
    EXPECT_GE(then[i].metadata().started, first[i].metadata().completed);
    engines.insert(first[i].get());
  }
  EXPECT_GT(engines.size(), 1u)
      << "the prerequisites all ran on one engine: the test proves little";
  // A prerequisite that already finished is followed too.
  EXPECT_EQ(lb().with({.follow = {first[0]}}).apply(test_tasks::engine_pid).get(kResultWait),
            first[0].get());
}

TEST_F(DependencyTest, FollowingATaskThatNeverRanFailsAtOnce) {
  auto blocker = lb().apply(sleep_for, 30.0);
  // Queued behind nothing, but aborted before it can run anywhere.
  auto never = lb().with({.after = {blocker}}).apply(sleep_for, 0.0);
  auto follower = lb().with({.after_failure_ok = true, .follow = {never}}).apply(sleep_for, 0.0);
  never.abort();
  EXPECT_NE(dependency_error(follower, never.id()).find("no engine"), std::string::npos);
  blocker.abort();
}

TEST_F(DependencyTest, ADefaultConstructedResultIsRefusedAtTheCall) {
  herd::AsyncResult<int> none;
  EXPECT_THROW(lb().with({.after = {none}}).apply(add, 1, 2), herd::Error);
  EXPECT_THROW(lb().apply(add, none, 2), herd::Error);
}

}  // namespace
