// What the clock decides, with the clock in the test's hand: timeouts count
// from a task's start, an aborted task gets its grace period, and a retry
// gives up only once it has waited its time with no engine.
#include "controller/deadlines.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "controller/test_engines.hpp"

namespace {

using namespace std::chrono_literals;
using herd::controller::Clock;
using herd::controller::EngineRecord;
using herd::controller::EngineRegistry;
using herd::controller::orphaned_retries;
using herd::controller::Overrun;
using herd::controller::overruns;
using herd::controller::TaskKey;
using herd::controller::TaskRecord;
using herd::controller::TaskTable;
using herd::controller::test::hello;

class DeadlinesTest : public ::testing::Test {
 protected:
  EngineRecord& add_engine(const std::string& rid) {
    return registry_.add(rid, hello({{"add", "int(int, int)"}}, ++pid_), t0_);
  }
  // A task sent to `engine`, started at `started` (if set) with `timeout`.
  TaskRecord& run(EngineRecord& engine, uint64_t seq, std::chrono::milliseconds timeout,
                  bool started) {
    TaskRecord record;
    record.engine_id = engine.id;
    record.timeout_ms = static_cast<uint32_t>(timeout.count());
    record.started = started;
    if (started && timeout.count() > 0) record.deadline = t0_ + timeout;
    const TaskKey key{7, seq};
    tasks_.add(key, std::move(record));
    engine.assigned.push_back(key);
    return *tasks_.find(key);
  }

  EngineRegistry registry_;
  TaskTable tasks_;
  const Clock::time_point t0_ = Clock::now();
  int64_t pid_ = 100;
};

TEST_F(DeadlinesTest, ARunningTaskTimesOutAtItsDeadlineNotBefore) {
  EngineRecord& e = add_engine("a");
  run(e, 1, 1000ms, true);
  EXPECT_TRUE(overruns(registry_, tasks_, t0_ + 999ms).empty());
  const auto due = overruns(registry_, tasks_, t0_ + 1000ms);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].engine, e.id);
  EXPECT_EQ(due[0].task, (TaskKey{7, 1}));
  EXPECT_EQ(due[0].kind, Overrun::Kind::kTimedOut);
}

TEST_F(DeadlinesTest, ATaskNotStartedYetHasNoTimeoutRunning) {
  EngineRecord& e = add_engine("a");
  run(e, 1, 1000ms, false);  // prefetched: its timeout counts from its start
  EXPECT_TRUE(overruns(registry_, tasks_, t0_ + 1h).empty());
}

TEST_F(DeadlinesTest, AnEngineIsNamedOnceHoweverManyOfItsTasksOverran) {
  EngineRecord& e = add_engine("a");
  run(e, 1, 0ms, true);  // no timeout
  run(e, 2, 10ms, true);
  run(e, 3, 10ms, true);
  const auto due = overruns(registry_, tasks_, t0_ + 1s);
  ASSERT_EQ(due.size(), 1u) << "one recycle per engine";
  EXPECT_EQ(due[0].task, (TaskKey{7, 2}));
}

TEST_F(DeadlinesTest, AnAbortedTaskIsGivenItsGraceThenItsEngineIsRecycled) {
  EngineRecord& e = add_engine("a");
  TaskRecord& r = run(e, 1, 0ms, true);
  r.answered = true;  // the client was told it was aborted
  r.deadline = t0_ + 5s;
  EXPECT_TRUE(overruns(registry_, tasks_, t0_ + 4s).empty());
  const auto due = overruns(registry_, tasks_, t0_ + 5s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].kind, Overrun::Kind::kIgnoredCancel);
}

TEST_F(DeadlinesTest, EachEngineIsNamedOnceAndLostEnginesNotAtAll) {
  EngineRecord& a = add_engine("a");
  EngineRecord& b = add_engine("b");
  run(a, 1, 10ms, true);
  run(b, 2, 10ms, true);
  registry_.mark_lost(b, "test");
  const auto due = overruns(registry_, tasks_, t0_ + 1s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].engine, a.id);
}

TEST_F(DeadlinesTest, ARetryGivesUpOnlyOnceItsWaitForAnEngineRanOut) {
  TaskRecord retry;
  retry.attempt = 2;
  retry.deadline = t0_ + 10s;
  tasks_.add({7, 1}, std::move(retry));
  TaskRecord first;  // a first attempt waits for engines however long
  first.deadline = t0_;
  tasks_.add({7, 2}, std::move(first));
  EXPECT_TRUE(orphaned_retries(tasks_, t0_ + 9s).empty());
  const auto due = orphaned_retries(tasks_, t0_ + 10s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0], (TaskKey{7, 1}));
}

}  // namespace
