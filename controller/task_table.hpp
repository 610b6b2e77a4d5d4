// Every task the controller holds, from submission until its result leaves,
// and the queues of those waiting for an engine: one FIFO queue per client,
// served in turn, so that one client's 100,000 queued tasks do not stand in
// front of another client's next one. Owned by the event loop.
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
  uint32_t attempt = 1;
  uint32_t retries = 0;
  bool retry_exceptions = false;  // a task that threw uses its retries too
  uint32_t timeout_ms = 0;        // 0: none
  bool answered = false;          // the client already got its outcome (timeout, abort)
  bool started = false;           // its engine said it began running it
  bool held = false;              // waits for its prerequisites, not in the queue
  uint64_t ticket = 0;            // its current place in the queue (see TaskTable)
  // While running with a timeout: when it runs out. While queued for a
  // retry: when to give up if no engine is left to run it.
  std::chrono::steady_clock::time_point deadline;
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
  // Calls f(key, record) for waiting tasks until it returns false or `limit`
  // tasks were offered: the clients with waiting tasks in turn, each its
  // oldest task not offered yet in this scan, so a task that must wait
  // never holds up those behind it. f may dispatch the task (set its engine
  // and call mark_dispatched) or erase it; it must return false after
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
  };
  void push(const TaskKey& key, bool front);
  TaskRecord* live(const Entry& entry);
  // Drops stale entries at the clients' fronts, the clients left with none,
  // and, once stale entries outnumber live ones, stale entries everywhere.
  void drop_stale();
  // Moves the first `served` clients of the ring to its back, in order.
  void rotate(size_t served);

  std::unordered_map<TaskKey, TaskRecord, TaskKeyHash> records_;
  std::vector<std::deque<Entry>> queues_;  // by client
  std::deque<uint32_t> ring_;              // clients with entries, in turn order
  std::vector<bool> in_ring_;              // by client
  size_t entries_ = 0;                     // in all queues, stale ones included
  size_t queued_ = 0;                      // live entries
  uint64_t next_ticket_ = 1;
};

template <class F>
void TaskTable::scan_queue(size_t limit, F&& f) {
  drop_stale();
  // Clients that join the ring during the scan wait for the next one.
  const size_t clients = ring_.size();
  std::vector<size_t> cursor(clients, 0);  // into each client's queue
  size_t offered = 0, exhausted = 0, served = 0;
  std::vector<bool> done(clients, false);
  for (size_t turn = 0; offered < limit && exhausted < clients; turn = (turn + 1) % clients) {
    if (done[turn]) continue;
    const std::deque<Entry>& queue = queues_[ring_[turn]];
    while (cursor[turn] < queue.size() && !live(queue[cursor[turn]])) ++cursor[turn];
    if (cursor[turn] == queue.size()) {
      done[turn] = true;
      ++exhausted;
      continue;
    }
    const Entry entry = queue[cursor[turn]++];
    ++offered;
    TaskRecord* record = find(entry.key);
    const bool go_on = f(entry.key, *record);
    if (TaskRecord* after = find(entry.key); after && after->engine_id != 0) served = turn + 1;
    if (!go_on) break;
  }
  rotate(served);
  drop_stale();
}

}  // namespace herd::controller
