// TaskRecords: what is kept of each task, for how long, and who is told.
#include "controller/task_records.hpp"

#include <gtest/gtest.h>

#include <string>

namespace herd::controller {
namespace {

constexpr uint64_t kClient = 0xc1;

wire::Header result_header(wire::Status status = wire::OK, uint32_t engine = 3) {
  wire::Header h;
  h.set_type(wire::RESULT);
  h.set_status(status);
  h.set_engine_id(engine);
  h.set_started(100.0);
  h.set_finished(101.0);
  return h;
}

PackedFrames result_frames(size_t payload_bytes) {
  wire::Frames frames;
  frames.push_back(wire::pack(result_header()));
  frames.emplace_back(payload_bytes);
  return PackedFrames(frames, 0);
}

Submission single(double at = 1.0) {
  Submission s;
  s.name = 1;
  s.signature = 2;
  s.at = at;
  return s;
}

Submission chunk(uint64_t map_seq, uint32_t map_items, uint32_t first, uint32_t items) {
  Submission s = single();
  s.items = items;
  s.map_seq = map_seq;
  s.map_items = map_items;
  s.first_item = first;
  return s;
}

void run_to_end(TaskRecords& records, const TaskKey& key, bool delivered, size_t bytes = 10) {
  records.dispatched(key, 3, 1);
  records.ended(key, result_header(), result_frames(bytes), delivered, 200.0);
}

TEST(TaskRecordsTest, ATaskIsQueuedThenRunningThenDoneWithItsResult) {
  TaskRecords records({});
  const TaskKey key{kClient, 1};
  records.submitted(key, single(5.0));
  ASSERT_NE(records.find(key), nullptr);
  EXPECT_EQ(records.find(key)->state, RecordState::kQueued);
  records.dispatched(key, 7, 1);
  EXPECT_EQ(records.find(key)->state, RecordState::kRunning);
  EXPECT_EQ(records.find(key)->engine_id, 7u);
  records.dispatched(key, 8, 2);  // its engine was lost: it runs again
  records.ended(key, result_header(wire::OK, 8), result_frames(100), true, 200.0);
  const Record* r = records.find(key);
  EXPECT_EQ(r->state, RecordState::kDone);
  EXPECT_EQ(r->runs, 2u);
  EXPECT_EQ(r->attempt, 2u);
  EXPECT_EQ(r->engine_id, 8u);
  EXPECT_EQ(r->submitted, 5.0);
  EXPECT_EQ(r->finished, 101.0);
  EXPECT_GE(r->result_bytes, 100u);
  EXPECT_EQ(r->result.count(), 2u);
  EXPECT_STREQ(state_name(r->state), "done");
}

TEST(TaskRecordsTest, FailuresAndAbortsAreRecordedAsSuch) {
  TaskRecords records({});
  records.submitted({kClient, 1}, single());
  records.submitted({kClient, 2}, single());
  records.ended({kClient, 1}, result_header(wire::REMOTE_ERROR), {}, true, 9.0);
  records.ended({kClient, 2}, result_header(wire::ABORTED), {}, true, 9.0);
  EXPECT_EQ(records.find({kClient, 1})->state, RecordState::kFailed);
  EXPECT_EQ(records.find({kClient, 2})->state, RecordState::kAborted);
}

TEST(TaskRecordsTest, DeliveredResultsBeyondTheLimitGoOldestFirst) {
  TaskRecords records({.max_results = 3, .max_bytes = 1 << 20});
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    records.submitted({kClient, seq}, single());
    run_to_end(records, {kClient, seq}, true);
  }
  EXPECT_EQ(records.kept_results(), 3u);
  EXPECT_EQ(records.size(), 3u);
  for (uint64_t seq = 1; seq <= 7; ++seq) EXPECT_EQ(records.find({kClient, seq}), nullptr) << seq;
  for (uint64_t seq = 8; seq <= 10; ++seq) EXPECT_NE(records.find({kClient, seq}), nullptr) << seq;
}

TEST(TaskRecordsTest, UndeliveredResultsAndUnfinishedTasksAreNeverDropped) {
  TaskRecords records({.max_results = 2, .max_bytes = 1 << 20});
  records.submitted({kClient, 1}, single());  // still queued
  records.submitted({kClient, 2}, single());
  run_to_end(records, {kClient, 2}, false);  // its client was gone
  for (uint64_t seq = 3; seq <= 50; ++seq) {
    records.submitted({kClient, seq}, single());
    run_to_end(records, {kClient, seq}, true);
  }
  EXPECT_NE(records.find({kClient, 1}), nullptr);
  EXPECT_NE(records.find({kClient, 2}), nullptr);
  EXPECT_EQ(records.kept_results(), 2u);
  EXPECT_EQ(records.size(), 4u);
  // Fetched by someone, it counts as delivered now, newest of all: the
  // oldest delivered one makes room.
  records.delivered({kClient, 2});
  EXPECT_NE(records.find({kClient, 2}), nullptr);
  EXPECT_EQ(records.find({kClient, 49}), nullptr);
  EXPECT_EQ(records.kept_results(), 2u);
}

TEST(TaskRecordsTest, TheByteLimitDropsResultsToo) {
  TaskRecords records({.max_results = 1000, .max_bytes = 2500});
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    records.submitted({kClient, seq}, single());
    run_to_end(records, {kClient, seq}, true, 1000);
  }
  EXPECT_LE(records.kept_bytes(), 2500u);
  EXPECT_EQ(records.kept_results(), 2u);
  EXPECT_NE(records.find({kClient, 5}), nullptr);
}

TEST(TaskRecordsTest, WatchersOfATaskAreToldOnceWhenItEnds) {
  TaskRecords records({});
  records.submitted({kClient, 1}, single());
  records.watch({kClient, 1}, {4, 77});
  records.watch({kClient, 1}, {5, 78});
  auto told = records.ended({kClient, 1}, result_header(), result_frames(1), true, 1.0);
  EXPECT_EQ(told, (std::vector<Watcher>{{4, 77}, {5, 78}}));
  records.forget_watcher(4);
  EXPECT_TRUE(records.ended({kClient, 1}, result_header(), result_frames(1), true, 1.0).empty());
}

TEST(TaskRecordsTest, AForgottenWatcherIsNotTold) {
  TaskRecords records({});
  records.submitted({kClient, 1}, single());
  records.watch({kClient, 1}, {4, 77});
  records.forget_watcher(4);
  EXPECT_TRUE(records.ended({kClient, 1}, result_header(), result_frames(1), true, 1.0).empty());
}

// A map's seq names no task: the controller learns the map from its chunks.
TEST(TaskRecordsTest, AMapIsLearnedFromItsChunksAndItsWatchersHearOfEach) {
  TaskRecords records({});
  records.submitted({kClient, 2}, chunk(1, 10, 0, 4));
  const Record* map = records.find({kClient, 1});
  ASSERT_NE(map, nullptr);
  EXPECT_TRUE(map->map);
  EXPECT_EQ(map->items, 10u);
  records.watch({kClient, 1}, {9, 1});
  EXPECT_EQ(records.ended({kClient, 2}, result_header(), result_frames(4), true, 1.0).size(), 1u);
  EXPECT_EQ(records.find({kClient, 1})->state, RecordState::kQueued);
  records.submitted({kClient, 5}, chunk(1, 10, 4, 6));  // another task took seq 3 and 4
  records.dispatched({kClient, 5}, 2, 1);
  EXPECT_EQ(records.find({kClient, 1})->state, RecordState::kRunning);
  EXPECT_EQ(records.ended({kClient, 5}, result_header(), result_frames(6), true, 1.0).size(), 1u);
  EXPECT_EQ(records.find({kClient, 1})->state, RecordState::kDone);
  EXPECT_EQ(records.find({kClient, 1})->chunks, 2u);
  EXPECT_EQ(records.chunks_of({kClient, 1}), (std::vector<TaskKey>{{kClient, 2}, {kClient, 5}}));
  // Complete now: its watchers are done with.
  records.submitted({kClient, 6}, chunk(1, 10, 0, 1));
  EXPECT_TRUE(records.ended({kClient, 6}, result_header(), result_frames(1), true, 1.0).empty());
}

TEST(TaskRecordsTest, PurgeDropsFinishedTasksAndWholeMapsOnly) {
  TaskRecords records({});
  records.submitted({kClient, 1}, single());
  records.submitted({kClient, 3}, chunk(2, 2, 0, 2));
  records.submitted({kClient, 4}, single());  // still queued
  records.submitted({kClient + 1, 1}, single());
  run_to_end(records, {kClient, 1}, true);
  EXPECT_FALSE(records.purge({kClient, 2})) << "a map with a chunk running";
  run_to_end(records, {kClient, 3}, true);
  run_to_end(records, {kClient + 1, 1}, true);
  EXPECT_FALSE(records.purge({kClient, 3})) << "a chunk goes with its map";
  EXPECT_FALSE(records.purge({kClient, 4})) << "unfinished";
  EXPECT_FALSE(records.purge({kClient, 99}));
  EXPECT_EQ(records.purge_done(kClient), 2u);  // task 1 and the map
  EXPECT_EQ(records.find({kClient, 3}), nullptr);
  EXPECT_NE(records.find({kClient, 4}), nullptr);
  EXPECT_NE(records.find({kClient + 1, 1}), nullptr) << "another client's";
  EXPECT_EQ(records.size(), 2u);
  EXPECT_EQ(records.kept_results(), 1u);
}

TEST(TaskRecordsTest, TasksArrivingOutOfOrderAndWithGapsAreFound) {
  TaskRecords records({});
  records.submitted({kClient, 10}, single());
  records.submitted({kClient, 4}, single());  // held back by its client
  records.submitted({kClient, 20}, single());
  EXPECT_NE(records.find({kClient, 4}), nullptr);
  EXPECT_NE(records.find({kClient, 10}), nullptr);
  EXPECT_NE(records.find({kClient, 20}), nullptr);
  EXPECT_EQ(records.find({kClient, 5}), nullptr);
  EXPECT_EQ(records.find({kClient, 21}), nullptr);
  size_t seen = 0;
  records.for_each([&](const TaskKey&, const Record&) { ++seen; });
  EXPECT_EQ(seen, 3u);
}

TEST(TaskRecordsTest, MemoryStaysBoundedUnderSteadyDelivery) {
  TaskRecords records({.max_results = 100, .max_bytes = 1 << 20});
  for (uint64_t seq = 1; seq <= 20'000; ++seq) {
    records.submitted({kClient, seq}, single());
    run_to_end(records, {kClient, seq}, true);
    if (seq % 3 == 0) (void)records.purge({kClient, seq});
  }
  EXPECT_LE(records.size(), 100u);
  EXPECT_LE(records.slots(), 200u) << "dropped records leave no room behind";
}

}  // namespace
}  // namespace herd::controller
