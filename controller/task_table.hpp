// Every task the controller holds, from submission until its result leaves,
// and the queues of those waiting for an engine: one FIFO queue per client,
// served in turn, so that one client's 100,000 queued tasks do not stand in
// front of another client's next one. A client's queue is split into lanes
// by task name and the engines its tasks may run on, so that a backlog
// waiting for busy engines is passed over in one step, not task by task,
// however long it is. Owned by the event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "controller/task_key.hpp"
#include "proto/wire.hpp"

namespace herd::controller {

struct TaskRecord {
  // The task as the client sent it: forwarded untouched, and kept until the
  // result arrives so that a lost engine's task can run again. The header is
  // small and copied out of its frame, which would otherwise pin ZeroMQ's
  // receive buffer; the argument frames are shared, never copied.
  std::string header;
  std::vector<zmq::message_t> args;
  uint32_t client = 0;     // the submitting client's session (ClientTable index)
  uint32_t name = 0;       // the task name, interned
  uint32_t items = 1;      // calls in this task (a chunk of a map holds many)
  uint32_t engine_id = 0;  // 0 while queued
  // The engines it may run on, sorted, without duplicates; empty: any.
  // Set before the task is queued: the queue files it by them.
  std::vector<uint32_t> engines;
  uint32_t attempt = 1;
  uint32_t retries = 0;
  bool retry_exceptions = false;  // a task that threw uses its retries too
  uint32_t timeout_ms = 0;        // 0: none
  bool answered = false;          // the client already got its outcome (timeout, abort)
  bool started = false;           // its engine said it began running it
  bool held = false;              // waits for its prerequisites, not in the queue
  uint64_t ticket = 0;            // its current place in the queue (see TaskTable)
  uint32_t cost_us = 0;           // while on an engine: its expected work (see prefetch.hpp)
  // While running with a timeout: when it runs out. While queued for a
  // retry: when to give up if no engine is left to run it.
  std::chrono::steady_clock::time_point deadline;
};

// What a scan does after offering a task (see TaskTable::scan_queue).
enum class ScanStep {
  kNext,      // go on with the next task
  kSkipLane,  // no engine this task may use takes it now: pass over its lane
  kStop,      // end the scan
};

class TaskTable {
 public:
  // False if the key is already known (a duplicate submission).
  bool add(const TaskKey& key, TaskRecord record);
  TaskRecord* find(const TaskKey& key);
  void erase(const TaskKey& key);
  size_t size() const { return records_.size(); }

  void enqueue(const TaskKey& key) { push(key, false); }
  // For a task that already waited its turn once (its engine was lost).
  void enqueue_front(const TaskKey& key) { push(key, true); }
  // The task a scan would offer first, or null.
  TaskRecord* front(TaskKey& key);
  // Calls f(key, record) for waiting tasks until it returns false (or
  // kStop) or `limit` tasks were offered: the clients with waiting tasks in
  // turn, each its oldest task not offered yet in this scan, so a task that
  // must wait never holds up those behind it. f returns true (go on), false
  // (stop) or a ScanStep; kSkipLane passes over the rest of the client's
  // tasks bound to the same engines in this scan, and such a task does not
  // count against `limit`, so a backlog waiting for busy engines costs one
  // offer per scan, however long it is. f may dispatch the task (set its
  // engine and call mark_dispatched) or erase it; it must stop after
  // anything that queues tasks again (enqueue_front). The next scan starts
  // with the client after the last one that had a task dispatched.
  template <class F>
  void scan_queue(size_t limit, F&& f);
  // The task f() or front() gave has left the queue for an engine.
  void mark_dispatched() { --queued_; }
  size_t queue_depth() const { return queued_; }

  template <class F>
  void for_each(F&& f) {
    for (auto& [key, record] : records_) f(key, record);
  }

 private:
  // A queue entry is live while its task waits with the same ticket: a task
  // that was dispatched, erased or queued again leaves a stale entry behind,
  // which scans skip and compaction drops.
  struct Entry {
    TaskKey key;
    uint64_t ticket;
    int64_t order;  // a client's tasks are offered in this order, across lanes
  };
  // A client's tasks of one name bound to one set of engines, in order:
  // when one of them must wait, so must the rest in this scan.
  struct Lane {
    std::vector<uint32_t> engines;
    uint32_t name = 0;
    std::deque<Entry> entries;
    size_t cursor = 0;     // during a scan: the next entry to offer
    bool skipped = false;  // during a scan: passed over
  };
  static ScanStep step(bool go_on) { return go_on ? ScanStep::kNext : ScanStep::kStop; }
  static ScanStep step(ScanStep s) { return s; }
  void push(const TaskKey& key, bool front);
  TaskRecord* live(const Entry& entry);
  // The lane of `lanes` whose next live entry (from its cursor, which this
  // moves past stale entries) comes first; lanes.size() if none has one.
  size_t next_lane(std::vector<Lane>& lanes);
  // Drops stale entries at the clients' fronts, the clients left with none,
  // and, once stale entries outnumber live ones, stale entries everywhere.
  void drop_stale();
  // Moves the first `served` clients of the ring to its back, in order.
  void rotate(size_t served);

  std::unordered_map<TaskKey, TaskRecord, TaskKeyHash> records_;
  std::vector<std::vector<Lane>> queues_;  // by client
  std::deque<uint32_t> ring_;              // clients with entries, in turn order
  std::vector<bool> in_ring_;              // by client
  size_t entries_ = 0;                     // in all queues, stale ones included
  size_t queued_ = 0;                      // live entries
  uint64_t next_ticket_ = 1;
  int64_t back_order_ = 0, front_order_ = 0;  // the last orders given at each end
};

template <class F>
void TaskTable::scan_queue(size_t limit, F&& f) {
  drop_stale();
  // Clients that join the ring during the scan wait for the next one.
  const size_t clients = ring_.size();
  for (size_t turn = 0; turn < clients; ++turn)
    for (Lane& lane : queues_[ring_[turn]]) {
      lane.cursor = 0;
      lane.skipped = false;
    }
  size_t offered = 0, exhausted = 0, served = 0;
  std::vector<bool> done(clients, false);
  for (size_t turn = 0; offered < limit && exhausted < clients; turn = (turn + 1) % clients) {
    if (done[turn]) continue;
    std::vector<Lane>& lanes = queues_[ring_[turn]];
    const size_t l = next_lane(lanes);
    if (l == lanes.size()) {
      done[turn] = true;
      ++exhausted;
      continue;
    }
    const Entry entry = lanes[l].entries[lanes[l].cursor++];
    TaskRecord* record = find(entry.key);
    const ScanStep s = step(f(entry.key, *record));
    if (s == ScanStep::kSkipLane)
      lanes[l].skipped = true;
    else
      ++offered;
    if (TaskRecord* after = find(entry.key); after && after->engine_id != 0) served = turn + 1;
    if (s == ScanStep::kStop) break;
  }
  rotate(served);
  drop_stale();
}

}  // namespace herd::controller
