// Tasks bound to engines (a DirectView's, a load-balanced view over some
// engines): which engine the controller picks for them, when they must wait
// or can never run, and that a backlog of them never holds up other tasks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controller/engine_registry.hpp"
#include "controller/task_table.hpp"
#include "controller/test_engines.hpp"

namespace {

using herd::controller::Admission;
using herd::controller::Choice;
using herd::controller::Clock;
using herd::controller::EngineRecord;
using herd::controller::EngineRegistry;
using herd::controller::Placement;
using herd::controller::ScanStep;
using herd::controller::TaskKey;
using herd::controller::TaskRecord;
using herd::controller::TaskTable;
using herd::controller::test::hello;
using herd::controller::test::load;

class ChooseTest : public ::testing::Test {
 protected:
  EngineRecord& add(const std::string& rid, const std::string& task = "add") {
    return registry_.add(rid, hello({{task, "int(int, int)"}}, ++pid_), Clock::now());
  }
  Choice choose(std::vector<uint32_t> targets, const std::string& task = "add", unsigned hwm = 1) {
    return registry_.choose(registry_.names().intern(task), targets, Admission(hwm));
  }

  EngineRegistry registry_;
  int64_t pid_ = 100;
};

TEST_F(ChooseTest, ATaskBoundToEnginesGoesToTheLeastLoadedOfThem) {
  EngineRecord& a = add("a");
  EngineRecord& b = add("b");
  EngineRecord& c = add("c");
  load(a, 2);
  load(b, 1);
  load(c, 0);
  const Choice choice = choose({a.id, b.id}, "add", 4);
  EXPECT_EQ(choice.placement, Placement::kPlaced);
  EXPECT_EQ(choice.engine, &b) << "c is idle but the task may not run there";
  EXPECT_EQ(choose({}, "add", 4).engine, &c) << "an unbound task goes anywhere";
}

TEST_F(ChooseTest, BusyTargetsMakeTheTaskWaitWithTheirWholeLane) {
  EngineRecord& a = add("a");
  add("b");
  load(a, 1);
  EXPECT_EQ(choose({a.id}).placement, Placement::kTargetsFull);
  a.assigned.clear();
  EXPECT_EQ(choose({a.id}).engine, &a);
}

TEST_F(ChooseTest, AFreeTargetThatDoesNotOfferTheTaskIsOnlyAWait) {
  EngineRecord& other = add("a", "other");
  EngineRecord& busy = add("b");
  load(busy, 1);
  // Another task of the same lane may run on `other`: the lane goes on.
  EXPECT_EQ(choose({other.id, busy.id}).placement, Placement::kWait);
}

TEST_F(ChooseTest, TargetsThatDoNotOfferTheTask) {
  EngineRecord& other = add("a", "other");
  add("b");
  EXPECT_EQ(choose({other.id}).placement, Placement::kNotOffered);
  EXPECT_EQ(choose({}, "nobody_offers_this").placement, Placement::kNotOffered);
}

TEST_F(ChooseTest, LostOrUnknownTargetsCanNeverTakeTheTask) {
  EngineRecord& a = add("a");
  EngineRecord& b = add("b");
  registry_.mark_lost(a, "process died");
  EXPECT_EQ(choose({a.id, b.id}).engine, &b);
  EXPECT_EQ(choose({a.id, 99}).placement, Placement::kTargetsGone);
  EXPECT_FALSE(registry_.any_live({a.id, 99}));
  EXPECT_TRUE(registry_.any_live({a.id, b.id}));
  const std::string why = registry_.why_gone({a.id, b.id, 99});
  EXPECT_EQ(why, "engine 1 was lost (process died); engine 99 is unknown");
}

TEST_F(ChooseTest, WithoutEnginesAnUnboundTaskWaits) {
  EXPECT_EQ(choose({}).placement, Placement::kWait);
  EXPECT_EQ(choose({1}).placement, Placement::kTargetsGone);
}

class LaneTest : public ::testing::Test {
 protected:
  TaskKey add_queued(uint64_t seq, std::vector<uint32_t> engines, uint32_t client = 0,
                     uint32_t name = 0) {
    const TaskKey key{7 + client, seq};
    TaskRecord record;
    record.client = client;
    record.name = name;
    record.engines = std::move(engines);
    EXPECT_TRUE(table_.add(key, std::move(record)));
    table_.enqueue(key);
    return key;
  }
  // A scan as the controller's: tasks bound to `busy` pass over their lane,
  // every other task is dispatched. The seqs offered, in order.
  std::vector<uint64_t> scan(uint32_t busy, size_t limit = 1024) {
    std::vector<uint64_t> offered;
    table_.scan_queue(limit, [&](const TaskKey& key, TaskRecord& record) {
      offered.push_back(key.seq);
      if (record.engines == std::vector<uint32_t>{busy}) return ScanStep::kSkipLane;
      record.engine_id = 1;
      table_.mark_dispatched();
      return ScanStep::kNext;
    });
    return offered;
  }

  TaskTable table_;
};

// The controller scans at most 1,024 tasks per turn: a longer backlog for a
// busy engine must not use them all up.
TEST_F(LaneTest, ABacklogForABusyEngineDoesNotHoldUpLaterTasks) {
  for (uint64_t seq = 1; seq <= 5000; ++seq) add_queued(seq, {3});
  add_queued(5001, {});
  add_queued(5002, {4});
  EXPECT_EQ(scan(3), (std::vector<uint64_t>{1, 5001, 5002}))
      << "the backlog is offered once, then passed over";
  EXPECT_EQ(table_.queue_depth(), 5000u);
}

// No engine free for a task name: its backlog waits, and the same client's
// next task of another name, which an idle engine offers, is reached at once
// (before lanes kept names apart, it was first in line after 1,024 others).
TEST_F(LaneTest, ABacklogOfOneNameDoesNotHoldUpAnotherName) {
  constexpr uint32_t kBusyName = 1, kOtherName = 2;
  for (uint64_t seq = 1; seq <= 5000; ++seq) add_queued(seq, {}, 0, kBusyName);
  add_queued(5001, {}, 0, kOtherName);
  std::vector<uint64_t> offered;
  table_.scan_queue(1024, [&](const TaskKey& key, TaskRecord& record) {
    offered.push_back(key.seq);
    if (record.name == kBusyName) return ScanStep::kSkipLane;
    record.engine_id = 1;
    table_.mark_dispatched();
    return ScanStep::kNext;
  });
  EXPECT_EQ(offered, (std::vector<uint64_t>{1, 5001}));
  EXPECT_EQ(table_.queue_depth(), 5000u);
}

TEST_F(LaneTest, ABacklogOfAnotherClientDoesNotHoldUpEither) {
  for (uint64_t seq = 1; seq <= 5000; ++seq) add_queued(seq, {3}, 0);
  for (uint64_t seq = 101; seq <= 103; ++seq) add_queued(seq, {}, 1);
  const auto offered = scan(3);
  EXPECT_EQ(offered.size(), 4u);
  EXPECT_EQ(table_.queue_depth(), 5000u);
}

TEST_F(LaneTest, AClientsTasksKeepTheirOrderAcrossLanes) {
  add_queued(1, {1});
  add_queued(2, {});
  add_queued(3, {2});
  add_queued(4, {1});
  add_queued(5, {});
  std::vector<uint64_t> order;
  TaskKey key;
  while (TaskRecord* record = table_.front(key)) {
    order.push_back(key.seq);
    record->engine_id = 1;
    table_.mark_dispatched();
  }
  EXPECT_EQ(order, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST_F(LaneTest, ARequeuedTaskGoesToTheFrontOfItsLane) {
  add_queued(1, {2});
  const TaskKey second = add_queued(2, {2});
  add_queued(3, {});
  std::vector<uint64_t> offered = scan(0, 2);  // dispatches 1 and 2
  ASSERT_EQ(offered, (std::vector<uint64_t>{1, 2}));
  table_.find(second)->engine_id = 0;  // its engine was lost before it started
  table_.enqueue_front(second);
  EXPECT_EQ(scan(0), (std::vector<uint64_t>{2, 3}));
}

TEST_F(LaneTest, APassedOverLaneIsOfferedAgainInTheNextScan) {
  add_queued(1, {3});
  add_queued(2, {3});
  EXPECT_EQ(scan(3), (std::vector<uint64_t>{1}));
  EXPECT_EQ(scan(0), (std::vector<uint64_t>{1, 2})) << "engine 3 has room now";
  EXPECT_EQ(table_.queue_depth(), 0u);
}

TEST_F(LaneTest, ErasedTasksLeaveNoEmptyLaneBehind) {
  const TaskKey a = add_queued(1, {3});
  const TaskKey b = add_queued(2, {4});
  table_.erase(a);
  table_.erase(b);
  TaskKey key;
  EXPECT_EQ(table_.front(key), nullptr);
  EXPECT_EQ(scan(0), std::vector<uint64_t>{});
  add_queued(3, {3});
  EXPECT_EQ(scan(0), (std::vector<uint64_t>{3}));
}

}  // namespace
