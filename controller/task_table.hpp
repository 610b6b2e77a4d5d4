// Every task the controller holds, from submission until its result leaves,
// and the FIFO queue of those waiting for an engine. Owned by the event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>
#include <unordered_map>

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
  uint32_t client = 0;     // the submitting client's routing id, interned
  uint32_t name = 0;       // the task name, interned
  uint32_t items = 1;      // calls in this task (a chunk of a map holds many)
  uint32_t engine_id = 0;  // 0 while queued
  uint32_t attempt = 1;
  uint32_t retries = 0;
  uint32_t timeout_ms = 0;  // 0: none
  bool answered = false;    // the client already got its outcome (timeout, abort)
  bool started = false;     // its engine said it began running it
  uint64_t ticket = 0;      // its current place in the queue (see TaskTable)
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
  // The first task still waiting, or null.
  TaskRecord* front(TaskKey& key);
  // Calls f(key, record) for waiting tasks in queue order until it returns
  // false or `limit` tasks were offered. f may dispatch the task (set its
  // engine and call mark_dispatched) or erase it.
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
  void drop_stale();

  std::unordered_map<TaskKey, TaskRecord, TaskKeyHash> records_;
  std::deque<Entry> queue_;
  size_t queued_ = 0;  // live entries in queue_
  uint64_t next_ticket_ = 1;
};

template <class F>
void TaskTable::scan_queue(size_t limit, F&& f) {
  drop_stale();
  size_t offered = 0;
  // By index: f may push to the front (a lost engine's tasks), which only
  // shifts entries already seen past this point.
  for (size_t i = 0; i < queue_.size() && offered < limit; ++i) {
    const Entry entry = queue_[i];
    TaskRecord* record = live(entry);
    if (!record) continue;
    ++offered;
    if (!f(entry.key, *record)) break;
  }
  drop_stale();
}

}  // namespace herd::controller
