// The prefetch policy without sockets: what each engine is given ahead, how
// durations are learnt, and which engine gives tasks back to an idle one.
#include "controller/prefetch.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controller/engine_registry.hpp"
#include "controller/test_engines.hpp"

namespace {

using herd::controller::Admission;
using herd::controller::Clock;
using herd::controller::EngineRecord;
using herd::controller::EngineRegistry;
using herd::controller::recall_answered;
using herd::controller::recall_victim;
using herd::controller::TaskDurations;
using herd::controller::test::hello;
using herd::controller::test::load;

constexpr uint64_t kTarget = 5000;  // µs

TEST(TaskDurationsTest, AnUnknownNameCostsWhatTheCallerSays) {
  TaskDurations d;
  EXPECT_EQ(d.expected_us(3, 1, kTarget), kTarget);
  d.learn(1, 1, 0.001);
  EXPECT_EQ(d.expected_us(3, 1, kTarget), kTarget)
      << "learning one name teaches nothing of another";
}

TEST(TaskDurationsTest, LearnsPerCallAndScalesByItems) {
  TaskDurations d;
  d.learn(0, 10, 0.010);  // a chunk of 10 calls, 1 ms each
  EXPECT_EQ(d.expected_us(0, 1, kTarget), 1000u);
  EXPECT_EQ(d.expected_us(0, 100, kTarget), 100'000u);
}

TEST(TaskDurationsTest, NeverBelowTheEnginesOwnCostPerTask) {
  TaskDurations d;
  d.learn(0, 1, 0.0000001);  // 0.1 µs: a no-op
  EXPECT_EQ(d.expected_us(0, 1, kTarget), static_cast<uint64_t>(TaskDurations::kFloorUs));
}

TEST(TaskDurationsTest, FollowsAChangeAndIsNotRuledByOneLongRun) {
  TaskDurations d;
  for (int i = 0; i < 20; ++i) d.learn(0, 1, 0.001);
  d.learn(0, 1, 0.250);  // one long task among short ones
  const uint64_t after_long = d.expected_us(0, 1, kTarget);
  EXPECT_GT(after_long, 1000u);
  for (int i = 0; i < 30; ++i) d.learn(0, 1, 0.001);
  EXPECT_LT(d.expected_us(0, 1, kTarget), 1100u) << "back near 1 ms after 30 short runs";
  d.learn(0, 1, -1);  // a clock that stepped back is ignored
  EXPECT_LT(d.expected_us(0, 1, kTarget), 1100u);
}

class AdmissionTest : public ::testing::Test {
 protected:
  EngineRecord& add(const std::string& rid) {
    return registry_.add(rid, hello({{"add", "int(int, int)"}}, ++pid_), Clock::now());
  }
  EngineRegistry registry_;
  int64_t pid_ = 100;
};

TEST_F(AdmissionTest, AnIdleEngineAlwaysTakesATask) {
  EngineRecord& e = add("a");
  const Admission admission(64, kTarget);
  EXPECT_TRUE(admission.admits(e));
  e.gave_back = true;
  EXPECT_TRUE(admission.admits(e)) << "even one that just gave tasks back: it has nothing";
}

TEST_F(AdmissionTest, ABusyEngineTakesMoreWhileItsExpectedWorkIsBelowTheTarget) {
  EngineRecord& e = add("a");
  const Admission admission(64, kTarget);
  load(e, 1);
  e.expected_us = kTarget - 1;
  EXPECT_TRUE(admission.admits(e));
  e.expected_us = kTarget;
  EXPECT_FALSE(admission.admits(e)) << "a task of unknown length (costed at the target) fills it";
}

TEST_F(AdmissionTest, TheHighWaterMarkIsAHardCap) {
  EngineRecord& e = add("a");
  load(e, 3);
  e.expected_us = 60;  // three no-ops
  EXPECT_TRUE(Admission(4, kTarget).admits(e));
  EXPECT_FALSE(Admission(3, kTarget).admits(e));
  EXPECT_FALSE(Admission(1).admits(e)) << "--hwm 1: no prefetching at all";
  EngineRecord& idle = add("b");
  EXPECT_TRUE(Admission(1).admits(idle));
}

TEST_F(AdmissionTest, AnEngineThatGaveTasksBackGetsNothingAheadAndARetiringOneNothing) {
  EngineRecord& e = add("a");
  load(e, 1);
  e.expected_us = 100;
  const Admission admission(64, kTarget);
  e.gave_back = true;
  EXPECT_FALSE(admission.admits(e));
  e.gave_back = false;
  EXPECT_TRUE(admission.admits(e));
  EngineRecord& retiring = add("b");
  registry_.retire(retiring);
  EXPECT_FALSE(admission.admits(retiring));
}

TEST_F(AdmissionTest, TheRegistryPlacesByAdmission) {
  EngineRecord& a = add("a");
  EngineRecord& b = add("b");
  load(a, 1);
  a.expected_us = kTarget;  // one task of unknown length
  load(b, 2);
  b.expected_us = 40;  // two no-ops
  const Admission admission(64, kTarget);
  EXPECT_EQ(registry_.least_loaded("add", admission), &b) << "a is less loaded but full of work";
  EXPECT_EQ(registry_.admitting(admission), 1u);
}

TEST_F(AdmissionTest, TheVictimHoldsMostTasksBeyondTheOneItRuns) {
  EngineRecord& a = add("a");
  EngineRecord& b = add("b");
  EngineRecord& c = add("c");
  std::vector<EngineRecord*> live = registry_.live_engines();
  const auto anyone = [](const EngineRecord&) { return true; };
  EXPECT_EQ(recall_victim(live, anyone), nullptr) << "nobody holds anything";
  load(a, 1);
  EXPECT_EQ(recall_victim(live, anyone), nullptr) << "a holds only the task it runs";
  load(b, 5);
  load(c, 4);
  EXPECT_EQ(recall_victim(live, anyone), &b);
  EXPECT_EQ(recall_victim(live, [&](const EngineRecord& e) { return &e != &b; }), &c)
      << "no idle engine could run what b would give back";
  b.recall_open = true;
  EXPECT_EQ(recall_victim(live, anyone), &c) << "one request to b at a time";
  c.gave_back = true;
  EXPECT_EQ(recall_victim(live, anyone), nullptr) << "c gave back since its last result";
}

// A recall answered after the engine had answered everything (its results
// crossed the request) must not leave it without prefetching for good:
// nothing would ever clear the mark.
TEST_F(AdmissionTest, ARecallAnsweredByAnIdleEngineLeavesItFree) {
  EngineRecord& e = add("a");
  e.recall_open = true;
  recall_answered(e);
  EXPECT_FALSE(e.recall_open);
  EXPECT_FALSE(e.gave_back);
  load(e, 2);
  e.expected_us = 40;
  EXPECT_TRUE(Admission(64, kTarget).admits(e));
  e.recall_open = true;
  recall_answered(e);
  EXPECT_TRUE(e.gave_back) << "still running: nothing ahead until its next result";
  EXPECT_FALSE(Admission(64, kTarget).admits(e));
}

}  // namespace
