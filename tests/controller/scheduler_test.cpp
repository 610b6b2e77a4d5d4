// The controller's scheduling tables: which engine gets the next task, what
// the live engines offer, who has gone silent, and the order of the queue.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "controller/engine_registry.hpp"
#include "controller/task_table.hpp"
#include "controller/test_engines.hpp"

namespace {

using herd::controller::Admission;
using herd::controller::Clock;
using herd::controller::EngineRecord;
using herd::controller::EngineRegistry;
using herd::controller::Offer;
using herd::controller::TaskKey;
using herd::controller::TaskRecord;
using herd::controller::TaskTable;
using herd::controller::test::hello;
using herd::controller::test::load;

const std::string kAddSig = "int(int, int)";

class EngineRegistryTest : public ::testing::Test {
 protected:
  EngineRecord& add(const std::string& rid,
                    std::vector<std::pair<std::string, std::string>> tasks = {{"add", kAddSig}}) {
    return registry_.add(rid, hello(std::move(tasks)), now_);
  }
  Offer check(const std::string& name, const std::string& signature) {
    expected_.clear();
    return registry_.check(name, signature, expected_);
  }

  EngineRegistry registry_;
  Clock::time_point now_ = Clock::now();
  std::string expected_;
};

TEST_F(EngineRegistryTest, AddRecordsTheHello) {
  EngineRecord& e = add("rid-a");
  EXPECT_EQ(e.id, 1u);
  EXPECT_EQ(e.routing_id, "rid-a");
  EXPECT_EQ(e.host, "host-100");
  EXPECT_EQ(e.pid, 100);
  EXPECT_EQ(e.cores, 4u);
  EXPECT_FALSE(e.lost);
  EXPECT_EQ(e.offers.at("add"), kAddSig);
  EXPECT_EQ(registry_.live_count(), 1u);
  EXPECT_EQ(registry_.find_live("rid-a"), &e);
  EXPECT_EQ(registry_.find(e.id), &e);
  EXPECT_EQ(registry_.find_live("nobody"), nullptr);
  EXPECT_EQ(registry_.find(99), nullptr);
}

TEST_F(EngineRegistryTest, IdsAreNeverReused) {
  const uint32_t a = add("a").id;
  registry_.mark_lost(*registry_.find(a), "test");
  const uint32_t b = add("b").id;
  const uint32_t a_again = add("a").id;
  EXPECT_EQ(a, 1u);
  EXPECT_EQ(b, 2u);
  EXPECT_EQ(a_again, 3u);
  EXPECT_EQ(registry_.all().size(), 3u);
}

TEST_F(EngineRegistryTest, LeastLoadedPicksFewestOutstanding) {
  load(add("a"), 2);
  EngineRecord& b = add("b");
  load(b, 0);
  load(add("c"), 1);
  EXPECT_EQ(registry_.least_loaded("add", Admission(10)), &b);
}

TEST_F(EngineRegistryTest, LeastLoadedBreaksTiesByTasksDone) {
  EngineRecord& a = add("a");
  EngineRecord& b = add("b");
  a.tasks_done = 5;
  b.tasks_done = 2;
  EXPECT_EQ(registry_.least_loaded("add", Admission(1)), &b);
  b.tasks_done = 9;
  EXPECT_EQ(registry_.least_loaded("add", Admission(1)), &a);
}

TEST_F(EngineRegistryTest, LeastLoadedRespectsTheHighWaterMark) {
  EngineRecord& a = add("a");
  EngineRecord& b = add("b");
  load(a, 1);
  load(b, 2);
  EXPECT_EQ(registry_.least_loaded("add", Admission(1)), nullptr) << "every engine is at hwm 1";
  EXPECT_EQ(registry_.least_loaded("add", Admission(2)), &a);
  EXPECT_EQ(registry_.least_loaded("add", Admission(3)), &a);
  a.assigned.clear();
  EXPECT_EQ(registry_.least_loaded("add", Admission(1)), &a);
}

TEST_F(EngineRegistryTest, LeastLoadedOnlyConsidersEnginesOfferingTheTask) {
  EngineRecord& idle_other = add("a", {{"other", "void()"}});
  EngineRecord& busy_add = add("b", {{"add", kAddSig}});
  load(busy_add, 3);
  EXPECT_EQ(registry_.least_loaded("add", Admission(10)), &busy_add);
  EXPECT_EQ(registry_.least_loaded("other", Admission(10)), &idle_other);
  EXPECT_EQ(registry_.least_loaded("nobody_offers_this", Admission(10)), nullptr);
}

TEST_F(EngineRegistryTest, LeastLoadedSkipsLostEngines) {
  EngineRecord& a = add("a");
  EngineRecord& b = add("b");
  load(b, 1);
  registry_.mark_lost(a, "test");
  EXPECT_EQ(registry_.least_loaded("add", Admission(10)), &b);
  registry_.mark_lost(b, "test");
  EXPECT_EQ(registry_.least_loaded("add", Admission(10)), nullptr);
}

TEST_F(EngineRegistryTest, CheckWithoutEngines) {
  EXPECT_EQ(check("add", kAddSig), Offer::kNoEngines);
}

TEST_F(EngineRegistryTest, CheckUnknownMismatchOk) {
  add("a");
  EXPECT_EQ(check("nope", "int(int)"), Offer::kUnknown);
  EXPECT_EQ(check("add", "int(double)"), Offer::kMismatch);
  EXPECT_EQ(expected_, kAddSig);
  EXPECT_EQ(check("add", kAddSig), Offer::kOk);
}

TEST_F(EngineRegistryTest, CheckAcceptsAnySignatureSomeEngineOffers) {
  add("a", {{"f", "int(int)"}});
  add("b", {{"f", "int(double)"}});
  EXPECT_EQ(check("f", "int(int)"), Offer::kOk);
  EXPECT_EQ(check("f", "int(double)"), Offer::kOk);
  EXPECT_EQ(check("f", "int(string)"), Offer::kMismatch);
  EXPECT_TRUE(expected_ == "int(int)" || expected_ == "int(double)") << expected_;
}

TEST_F(EngineRegistryTest, MarkLostRemovesItsOffers) {
  EngineRecord& a = add("a", {{"add", kAddSig}, {"only_a", "void()"}});
  add("b", {{"add", kAddSig}});
  registry_.mark_lost(a, "killed");
  EXPECT_EQ(check("only_a", "void()"), Offer::kUnknown);
  EXPECT_EQ(check("add", kAddSig), Offer::kOk) << "b still offers add";
  EXPECT_EQ(registry_.live_count(), 1u);
  EXPECT_EQ(registry_.find_live("a"), nullptr);
  ASSERT_NE(registry_.find(a.id), nullptr) << "a lost engine stays in the table for status";
  EXPECT_TRUE(a.lost);
  EXPECT_EQ(a.lost_reason, "killed");
  EXPECT_STREQ(a.state_name(), "lost");
}

TEST_F(EngineRegistryTest, MarkLostOfTheLastEngine) {
  EngineRecord& a = add("a");
  registry_.mark_lost(a, "gone");
  EXPECT_EQ(registry_.live_count(), 0u);
  EXPECT_EQ(check("add", kAddSig), Offer::kNoEngines);
}

TEST_F(EngineRegistryTest, MarkLostTwiceIsHarmless) {
  EngineRecord& a = add("a");
  add("b");
  registry_.mark_lost(a, "first");
  registry_.mark_lost(a, "second");
  EXPECT_EQ(a.lost_reason, "first");
  EXPECT_EQ(check("add", kAddSig), Offer::kOk)
      << "b's offer must survive a repeated mark_lost of a";
  EXPECT_EQ(registry_.live_count(), 1u);
}

TEST_F(EngineRegistryTest, MarkLostClearsAssignedTasks) {
  EngineRecord& a = add("a");
  load(a, 2);
  registry_.mark_lost(a, "gone");
  EXPECT_EQ(a.outstanding(), 0u);
}

TEST_F(EngineRegistryTest, DuplicateOfferInOneHelloCountsOnce) {
  EngineRecord& a = add("a", {{"add", kAddSig}, {"add", kAddSig}});
  add("b", {{"add", kAddSig}});
  registry_.mark_lost(a, "gone");
  EXPECT_EQ(check("add", kAddSig), Offer::kOk);
  registry_.mark_lost(*registry_.find_live("b"), "gone");
  add("c", {{"other", "void()"}});
  EXPECT_EQ(check("add", kAddSig), Offer::kUnknown);
}

TEST_F(EngineRegistryTest, SameRoutingIdAfterLossIsANewEngine) {
  EngineRecord& first = add("a");
  registry_.mark_lost(first, "gone");
  EngineRecord& second = add("a");
  EXPECT_NE(first.id, second.id);
  EXPECT_EQ(registry_.find_live("a"), &second);
  EXPECT_EQ(registry_.live_count(), 1u);
}

TEST_F(EngineRegistryTest, SilentSince) {
  EngineRecord& a = add("a");
  EngineRecord& b = add("b");
  EngineRecord& c = add("c");
  a.last_seen = now_;
  b.last_seen = now_ + std::chrono::seconds(2);
  c.last_seen = now_;
  registry_.mark_lost(c, "gone");
  const auto silent = registry_.silent_since(now_ + std::chrono::seconds(1));
  EXPECT_EQ(silent, std::vector<uint32_t>{a.id}) << "lost engines are not reported";
  EXPECT_TRUE(registry_.silent_since(now_).empty()) << "the cutoff is exclusive";
  auto both = registry_.silent_since(now_ + std::chrono::seconds(3));
  std::sort(both.begin(), both.end());
  EXPECT_EQ(both, (std::vector<uint32_t>{a.id, b.id}));
}

TEST_F(EngineRegistryTest, StateNames) {
  EngineRecord& a = add("a");
  EXPECT_STREQ(a.state_name(), "idle");
  load(a, 1);
  EXPECT_STREQ(a.state_name(), "busy");
  EXPECT_EQ(a.outstanding(), 1u);
}

TEST_F(EngineRegistryTest, ARetiringEngineGetsNoTasksAndIsNotRetiredAgain) {
  EngineRecord& a = add("a");
  EngineRecord& b = add("b");
  load(b, 1);
  registry_.retire(a);
  EXPECT_STREQ(a.state_name(), "retiring");
  EXPECT_EQ(registry_.least_loaded("add", Admission(2)), &b);  // b is busier, but a takes nothing
  EXPECT_EQ(registry_.admitting(Admission(2)), 1u) << "only b, below its cap of 2";
  EXPECT_EQ(check("add", kAddSig), Offer::kOk);  // it still counts as offering the task
  const auto chosen = registry_.least_busy(2);
  ASSERT_EQ(chosen.size(), 1u);
  EXPECT_EQ(chosen[0], &b);
}

TEST_F(EngineRegistryTest, LeastBusyPrefersFewestTasksThenTheNewest) {
  EngineRecord& a = add("a");
  EngineRecord& b = add("b");
  EngineRecord& c = add("c");
  load(a, 1);
  const auto chosen = registry_.least_busy(2);
  ASSERT_EQ(chosen.size(), 2u);
  EXPECT_EQ(chosen[0], &c);
  EXPECT_EQ(chosen[1], &b);
}

TEST_F(EngineRegistryTest, BuildClashesNameTasksOfferedFromDifferentBuilds) {
  auto with_library = [&](const std::string& rid, int64_t pid,
                          const std::string& hash) -> EngineRecord& {
    auto h = hello({{"add", kAddSig}}, pid);
    auto* lib = h.add_libraries();
    lib->set_path("/lib/libtasks.so");
    lib->set_hash(hash);
    lib->add_tasks("add");
    return registry_.add(rid, h, now_);
  };
  EngineRecord& a = with_library("a", 1, "aaaa");
  EXPECT_TRUE(registry_.build_clashes(a).empty());
  EngineRecord& b = with_library("b", 2, "aaaa");
  EXPECT_TRUE(registry_.build_clashes(b).empty());
  EngineRecord& c = with_library("c", 3, "cccc");
  const auto clashes = registry_.build_clashes(c);
  ASSERT_EQ(clashes.size(), 1u);
  EXPECT_EQ(clashes[0].task, "add");
  EXPECT_EQ(clashes[0].hash, "cccc");
  EXPECT_EQ(clashes[0].other_hash, "aaaa");
  // Once the old builds' engines are gone, the new build is alone.
  registry_.mark_lost(a, "retired");
  registry_.mark_lost(b, "retired");
  EXPECT_TRUE(registry_.build_clashes(c).empty());
}

// ---- TaskTable -------------------------------------------------------------

class TaskTableTest : public ::testing::Test {
 protected:
  TaskKey add_queued(uint64_t seq, const std::string& name = "add", uint32_t client = 0) {
    const TaskKey key{7 + client, seq};
    TaskRecord record;
    record.name = names_.intern(name);
    record.client = client;
    EXPECT_TRUE(table_.add(key, std::move(record)));
    table_.enqueue(key);
    return key;
  }
  // Takes the front task as dispatch() does: gives it an engine.
  TaskKey dispatch_front(uint32_t engine = 1) {
    TaskKey key;
    TaskRecord* record = table_.front(key);
    EXPECT_NE(record, nullptr);
    if (!record) return {};
    record->engine_id = engine;
    table_.mark_dispatched();
    return key;
  }
  // One free slot, as when engines answer one at a time: a scan that
  // dispatches the first task it is offered. Its seq.
  uint64_t scan_one() {
    uint64_t seq = 0;
    table_.scan_queue(10, [&](const TaskKey& key, TaskRecord& record) {
      record.engine_id = 1;
      table_.mark_dispatched();
      seq = key.seq;
      return false;
    });
    return seq;
  }
  std::vector<uint64_t> drain() {
    std::vector<uint64_t> order;
    TaskKey key;
    while (table_.front(key)) order.push_back(dispatch_front().seq);
    return order;
  }

  TaskTable table_;
  herd::controller::Interner names_;
};

TEST_F(TaskTableTest, EmptyQueue) {
  TaskKey key;
  EXPECT_EQ(table_.front(key), nullptr);
  EXPECT_EQ(table_.queue_depth(), 0u);
  EXPECT_EQ(table_.size(), 0u);
}

TEST_F(TaskTableTest, QueueIsFirstInFirstOut) {
  for (uint64_t seq = 1; seq <= 5; ++seq) add_queued(seq);
  EXPECT_EQ(table_.queue_depth(), 5u);
  EXPECT_EQ(drain(), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(table_.queue_depth(), 0u);
  EXPECT_EQ(table_.size(), 5u) << "dispatched tasks keep their records until answered";
}

TEST_F(TaskTableTest, FrontDoesNotRemove) {
  add_queued(1);
  TaskKey key;
  ASSERT_NE(table_.front(key), nullptr);
  ASSERT_NE(table_.front(key), nullptr);
  EXPECT_EQ(key.seq, 1u);
  EXPECT_EQ(table_.queue_depth(), 1u);
}

TEST_F(TaskTableTest, DuplicateKeyIsRefused) {
  add_queued(1);
  TaskRecord again;
  EXPECT_FALSE(table_.add({7, 1}, std::move(again)));
  EXPECT_EQ(table_.size(), 1u);
}

TEST_F(TaskTableTest, FindAndErase) {
  const TaskKey key = add_queued(1);
  ASSERT_NE(table_.find(key), nullptr);
  EXPECT_EQ(names_.str(table_.find(key)->name), "add");
  EXPECT_EQ(table_.find({7, 2}), nullptr);
  EXPECT_EQ(table_.find({8, 1}), nullptr) << "the client key is part of the identity";
  table_.erase({7, 99});  // unknown: no effect
  EXPECT_EQ(table_.size(), 1u);
}

TEST_F(TaskTableTest, EnqueueFrontGoesAhead) {
  add_queued(1);
  add_queued(2);
  const TaskKey first = dispatch_front();
  ASSERT_EQ(first.seq, 1u);
  // Its engine was lost: it goes back to the front, ahead of task 2.
  table_.find(first)->engine_id = 0;
  table_.enqueue_front(first);
  EXPECT_EQ(table_.queue_depth(), 2u);
  EXPECT_EQ(drain(), (std::vector<uint64_t>{1, 2}));
}

TEST_F(TaskTableTest, EraseOfAQueuedTaskLeavesAStaleEntry) {
  add_queued(1);
  const TaskKey second = add_queued(2);
  add_queued(3);
  table_.erase(second);  // aborted while queued
  EXPECT_EQ(table_.queue_depth(), 2u) << "depth counts only tasks still waiting";
  EXPECT_EQ(table_.size(), 2u);
  EXPECT_EQ(drain(), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(table_.queue_depth(), 0u);
}

TEST_F(TaskTableTest, EraseOfTheFrontTask) {
  const TaskKey first = add_queued(1);
  add_queued(2);
  table_.erase(first);
  EXPECT_EQ(table_.queue_depth(), 1u);
  EXPECT_EQ(dispatch_front().seq, 2u);
  EXPECT_EQ(table_.queue_depth(), 0u);
  TaskKey key;
  EXPECT_EQ(table_.front(key), nullptr);
}

TEST_F(TaskTableTest, ScanCanDispatchPastAWaitingTask) {
  for (uint64_t seq = 1; seq <= 4; ++seq) add_queued(seq, seq == 1 ? "busy_engines_only" : "add");
  std::vector<uint64_t> offered;
  table_.scan_queue(10, [&](const TaskKey& key, TaskRecord& record) {
    offered.push_back(key.seq);
    if (names_.str(record.name) == "add" && key.seq != 3) {
      record.engine_id = 1;
      table_.mark_dispatched();
    }
    return true;
  });
  EXPECT_EQ(offered, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(table_.queue_depth(), 2u);
  EXPECT_EQ(drain(), (std::vector<uint64_t>{1, 3}));
}

TEST_F(TaskTableTest, ScanStopsAtItsLimit) {
  for (uint64_t seq = 1; seq <= 5; ++seq) add_queued(seq);
  size_t offered = 0;
  table_.scan_queue(3, [&](const TaskKey&, TaskRecord&) { return ++offered > 0; });
  EXPECT_EQ(offered, 3u);
}

TEST_F(TaskTableTest, ARequeuedTaskIsQueuedOnce) {
  add_queued(1);
  const TaskKey second = add_queued(2);
  add_queued(3);
  // Dispatched from the middle, then its engine is lost and it comes back.
  table_.scan_queue(10, [&](const TaskKey& key, TaskRecord& record) {
    if (key.seq != 2) return true;
    record.engine_id = 1;
    table_.mark_dispatched();
    return false;
  });
  table_.find(second)->engine_id = 0;
  table_.enqueue_front(second);
  EXPECT_EQ(table_.queue_depth(), 3u);
  EXPECT_EQ(drain(), (std::vector<uint64_t>{2, 1, 3})) << "its old entry must stay stale";
}

// Clients share the cluster: each gets its turn, whatever another queued.
TEST_F(TaskTableTest, ClientsAreServedInTurn) {
  for (uint64_t seq = 1; seq <= 5; ++seq) add_queued(seq, "add", 0);
  for (uint64_t seq = 101; seq <= 102; ++seq) add_queued(seq, "add", 1);
  EXPECT_EQ(table_.queue_depth(), 7u);
  std::vector<uint64_t> order;
  for (int i = 0; i < 7; ++i) order.push_back(scan_one());
  // Client 1 joined last and had no turn yet: it goes first.
  EXPECT_EQ(order, (std::vector<uint64_t>{101, 1, 102, 2, 3, 4, 5}));
  EXPECT_EQ(table_.queue_depth(), 0u);
}

TEST_F(TaskTableTest, ALateClientIsServedBeforeTheRestOfAnEarlierOnesQueue) {
  for (uint64_t seq = 1; seq <= 1000; ++seq) add_queued(seq, "add", 0);
  EXPECT_EQ(scan_one(), 1u);
  add_queued(500'001, "add", 1);
  std::vector<uint64_t> order;
  for (int i = 0; i < 2; ++i) order.push_back(scan_one());
  EXPECT_EQ(order, (std::vector<uint64_t>{500'001, 2}));
}

TEST_F(TaskTableTest, AScanOffersEveryClientsWaitingTasks) {
  add_queued(1, "busy_engines_only", 0);
  add_queued(2, "add", 0);
  add_queued(101, "busy_engines_only", 1);
  add_queued(102, "add", 1);
  std::vector<uint64_t> offered;
  table_.scan_queue(10, [&](const TaskKey& key, TaskRecord& record) {
    offered.push_back(key.seq);
    if (names_.str(record.name) == "add") {
      record.engine_id = 1;
      table_.mark_dispatched();
    }
    return true;
  });
  EXPECT_EQ(offered, (std::vector<uint64_t>{101, 1, 102, 2}));
  EXPECT_EQ(table_.queue_depth(), 2u);
}

TEST_F(TaskTableTest, EraseOfEveryQueuedTask) {
  const TaskKey a = add_queued(1);
  const TaskKey b = add_queued(2);
  table_.erase(a);
  table_.erase(b);
  EXPECT_EQ(table_.queue_depth(), 0u);
  TaskKey key;
  EXPECT_EQ(table_.front(key), nullptr);
  EXPECT_EQ(table_.queue_depth(), 0u);
}

TEST_F(TaskTableTest, EraseOfADispatchedTaskLeavesTheDepthAlone) {
  add_queued(1);
  add_queued(2);
  const TaskKey running = dispatch_front();
  EXPECT_EQ(table_.queue_depth(), 1u);
  table_.erase(running);  // its result arrived
  EXPECT_EQ(table_.queue_depth(), 1u);
  EXPECT_EQ(drain(), (std::vector<uint64_t>{2}));
}

TEST_F(TaskTableTest, KeysOfManyClientsStayApart) {
  TaskRecord r1, r2;
  r1.name = 1;
  r2.name = 2;
  ASSERT_TRUE(table_.add({1, 5}, std::move(r1)));
  ASSERT_TRUE(table_.add({2, 5}, std::move(r2)));
  EXPECT_EQ(table_.find({1, 5})->name, 1u);
  EXPECT_EQ(table_.find({2, 5})->name, 2u);
}

TEST_F(TaskTableTest, ForEachVisitsEveryRecord) {
  add_queued(1);
  add_queued(2);
  dispatch_front();
  size_t n = 0;
  table_.for_each([&n](const TaskKey&, TaskRecord&) { ++n; });
  EXPECT_EQ(n, 2u);
}

}  // namespace
