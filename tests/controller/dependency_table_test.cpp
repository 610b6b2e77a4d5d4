// The controller's dependency policy: when a waiting task may run, when it
// fails, what fills its data arguments, where follow sends it, and how long
// outcomes are kept.
#include "controller/dependency_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "controller/task_table.hpp"

namespace {

using herd::controller::Decision;
using herd::controller::DependencyTable;
using herd::controller::Outcome;
using herd::controller::Prerequisite;
using herd::controller::TaskKey;
using Kind = Decision::Kind;

constexpr uint64_t kClient = 0xabc;
constexpr uint32_t kSession = 0;

TaskKey key(uint64_t seq) { return {kClient, seq}; }

Outcome ok(const std::string& value = "", uint32_t engine = 1) {
  Outcome o;
  o.ok = true;
  o.engine_id = engine;
  o.value = zmq::message_t(value.data(), value.size());
  return o;
}

Outcome failed(const std::string& error, uint32_t engine = 1) {
  Outcome o;
  o.error = error;
  o.engine_id = engine;
  return o;
}

// Tasks 1..9 are pending unless the test says otherwise.
struct Pending {
  std::set<uint64_t> seqs{1, 2, 3, 4, 5, 6, 7, 8, 9};
  bool operator()(const TaskKey& k) const { return seqs.count(k.seq) > 0; }
};

Prerequisite after(uint64_t seq) { return {key(seq), 0, false}; }
Prerequisite data(uint64_t seq, uint32_t position) { return {key(seq), position + 1, false}; }
Prerequisite follow(uint64_t seq) { return {key(seq), 0, true}; }

TEST(DependencyTable, WaitsUntilEveryPrerequisiteFinished) {
  DependencyTable t;
  Pending pending;
  EXPECT_EQ(t.add(key(10), {after(1), after(2)}, false, pending).kind, Kind::kWait);
  EXPECT_TRUE(t.finished(key(1), ok(), kSession, 1).empty());
  auto decided = t.finished(key(2), ok(), kSession, 2);
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].kind, Kind::kReady);
  EXPECT_EQ(decided[0].task, key(10));
  EXPECT_TRUE(decided[0].engines.empty());
  EXPECT_EQ(t.waiting(), 0u);
}

TEST(DependencyTable, FailedPrerequisiteFailsAtOnceNamingIt) {
  DependencyTable t;
  Pending pending;
  t.add(key(10), {after(1), after(2)}, false, pending);
  auto decided = t.finished(key(2), failed("boom"), kSession, 1);
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].kind, Kind::kFail);
  EXPECT_NE(decided[0].error.find(herd::wire::task_id(kClient, 2)), std::string::npos);
  EXPECT_NE(decided[0].error.find("boom"), std::string::npos);
  EXPECT_EQ(t.waiting(), 0u);
  // The other prerequisite finishing later decides nothing more.
  EXPECT_TRUE(t.finished(key(1), ok(), kSession, 2).empty());
}

TEST(DependencyTable, FailureOkRunsAnyway) {
  DependencyTable t;
  Pending pending;
  t.add(key(10), {after(1)}, true, pending);
  auto decided = t.finished(key(1), failed("boom"), kSession, 1);
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].kind, Kind::kReady);
}

TEST(DependencyTable, FailedDataPrerequisiteFailsEvenWithFailureOk) {
  DependencyTable t;
  Pending pending;
  t.add(key(10), {data(1, 0)}, true, pending);
  auto decided = t.finished(key(1), failed("boom"), kSession, 1);
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].kind, Kind::kFail);
  EXPECT_NE(decided[0].error.find("argument 0"), std::string::npos);
}

TEST(DependencyTable, DataFillsArgumentsWithTheSharedResultFrame) {
  DependencyTable t;
  Pending pending;
  t.add(key(10), {data(1, 2), data(2, 0)}, false, pending);
  const std::string big(100000, 'x');
  Outcome one = ok(big);
  const void* buffer = one.value.data();
  t.finished(key(1), std::move(one), kSession, 1);
  auto decided = t.finished(key(2), ok("two"), kSession, 2);
  ASSERT_EQ(decided.size(), 1u);
  ASSERT_EQ(decided[0].kind, Kind::kReady);
  ASSERT_EQ(decided[0].args.size(), 2u);
  EXPECT_EQ(decided[0].args[0].first, 2u);
  EXPECT_EQ(decided[0].args[0].second.to_string(), big);
  EXPECT_EQ(decided[0].args[0].second.data(), buffer) << "the result's bytes were copied";
  EXPECT_EQ(decided[0].args[1].first, 0u);
  EXPECT_EQ(decided[0].args[1].second.to_string(), "two");
}

TEST(DependencyTable, DataFromAChunkIsRefused) {
  DependencyTable t;
  Pending pending;
  Outcome chunk = ok("..");
  chunk.single = false;
  t.finished(key(1), std::move(chunk), kSession, 1);
  Decision d = t.add(key(10), {data(1, 0)}, false, pending);
  EXPECT_EQ(d.kind, Kind::kFail);
  EXPECT_NE(d.error.find("chunk of a map"), std::string::npos);
}

TEST(DependencyTable, FollowNamesTheEnginesThatRanThePrerequisites) {
  DependencyTable t;
  Pending pending;
  t.add(key(10), {follow(1), follow(2), follow(3)}, false, pending);
  t.finished(key(1), ok("", 4), kSession, 1);
  t.finished(key(2), ok("", 7), kSession, 2);
  auto decided = t.finished(key(3), ok("", 4), kSession, 3);
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].engines, (std::vector<uint32_t>{4, 7}));
}

TEST(DependencyTable, FollowOfATaskThatNeverRanFails) {
  DependencyTable t;
  Pending pending;
  t.add(key(10), {follow(1)}, true, pending);
  auto decided = t.finished(key(1), failed("task aborted", 0), kSession, 1);
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].kind, Kind::kFail);
  EXPECT_NE(decided[0].error.find("no engine"), std::string::npos);
}

TEST(DependencyTable, UnknownPrerequisiteFailsAtOnce) {
  DependencyTable t;
  Pending pending;
  Decision d = t.add(key(10), {after(1), after(42)}, false, pending);
  EXPECT_EQ(d.kind, Kind::kFail);
  EXPECT_NE(d.error.find("unknown"), std::string::npos);
  EXPECT_EQ(t.waiting(), 0u);
}

TEST(DependencyTable, PrerequisitesFinishedBeforeArrivalDecideAtOnce) {
  DependencyTable t;
  Pending pending;
  t.finished(key(1), ok("v"), kSession, 1);
  pending.seqs.erase(1);
  Decision d = t.add(key(10), {data(1, 0)}, false, pending);
  ASSERT_EQ(d.kind, Kind::kReady);
  EXPECT_EQ(d.args.at(0).second.to_string(), "v");
  t.finished(key(2), failed("boom"), kSession, 2);
  EXPECT_EQ(t.add(key(11), {after(2)}, false, pending).kind, Kind::kFail);
}

TEST(DependencyTable, ChainsDecideLinkByLink) {
  DependencyTable t;
  Pending pending;
  t.add(key(2), {data(1, 0)}, false, pending);
  t.add(key(3), {data(2, 0)}, false, pending);
  auto first = t.finished(key(1), ok("a"), kSession, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].task, key(2));
  auto second = t.finished(key(2), ok("ab"), kSession, 2);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].task, key(3));
  EXPECT_EQ(second[0].args.at(0).second.to_string(), "ab");
}

TEST(DependencyTable, ANameGivenTwiceCountsOnce) {
  DependencyTable t;
  Pending pending;
  t.add(key(10), {after(1), data(1, 0), follow(1)}, false, pending);
  auto decided = t.finished(key(1), ok("v", 3), kSession, 1);
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0].kind, Kind::kReady);
  EXPECT_EQ(decided[0].args.size(), 1u);
  EXPECT_EQ(decided[0].engines, std::vector<uint32_t>{3});
  t.confirmed(kSession, 1);
  EXPECT_EQ(t.kept(), 0u);
}

TEST(DependencyTable, OutcomesAreKeptUntilConfirmedAndNoWaiterNeedsThem) {
  DependencyTable t;
  Pending pending;
  t.add(key(10), {after(1), after(2)}, false, pending);
  t.finished(key(1), ok("v"), kSession, 1);
  t.finished(key(3), ok("w"), kSession, 2);
  EXPECT_EQ(t.kept(), 2u);
  t.confirmed(kSession, 2);
  // 3 is let go; 1 stays while task 10 waits for 2.
  EXPECT_EQ(t.kept(), 1u);
  t.finished(key(2), ok(), kSession, 3);
  EXPECT_EQ(t.kept(), 1u);  // 2 is not confirmed yet
  t.confirmed(kSession, 3);
  EXPECT_EQ(t.kept(), 0u);
}

TEST(DependencyTable, OutcomesNobodyReceivesAreNotKept) {
  DependencyTable t;
  Pending pending;
  t.add(key(10), {after(1)}, false, pending);
  EXPECT_EQ(t.finished(key(1), failed("client left"), kSession, 0).size(), 1u);
  EXPECT_EQ(t.finished(key(2), ok(), kSession, 0).size(), 0u);
  EXPECT_EQ(t.kept(), 0u);
}

TEST(DependencyTable, CancelledWaiterIsForgotten) {
  DependencyTable t;
  Pending pending;
  t.finished(key(1), ok(), kSession, 1);
  t.add(key(10), {after(1), after(2)}, false, pending);
  t.cancel(key(10));
  EXPECT_EQ(t.waiting(), 0u);
  EXPECT_TRUE(t.finished(key(2), ok(), kSession, 2).empty());
  t.confirmed(kSession, 2);
  EXPECT_EQ(t.kept(), 0u);
}

TEST(DependencyTable, SessionsConfirmSeparately) {
  DependencyTable t;
  t.finished(key(1), ok(), 0, 1);
  t.finished({0xdef, 1}, ok(), 1, 1);
  t.confirmed(1, 1);
  EXPECT_EQ(t.kept(), 1u);
  t.confirmed(0, UINT64_MAX);
  EXPECT_EQ(t.kept(), 0u);
}

TEST(DependencyTable, AHeldTaskIsNotCountedAsQueued) {
  herd::controller::TaskTable tasks;
  herd::controller::TaskRecord held;
  held.held = true;
  ASSERT_TRUE(tasks.add(key(10), std::move(held)));
  tasks.add(key(11), {});
  tasks.enqueue(key(11));
  tasks.erase(key(10));
  EXPECT_EQ(tasks.queue_depth(), 1u);
  tasks.find(key(11))->engine_id = 1;  // dispatched
  tasks.mark_dispatched();
  EXPECT_EQ(tasks.queue_depth(), 0u);
}

}  // namespace
