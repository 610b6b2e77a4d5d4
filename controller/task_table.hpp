// Every task the controller holds, from submission until its result leaves,
// and the FIFO queue of those waiting for an engine. Owned by the event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "controller/task_key.hpp"
#include "proto/wire.hpp"

namespace herd::controller {

struct TaskRecord {
  std::string client_routing_id;
  std::string name;
  // frames[0] is a routing-id slot, frames[1] the header, then the arguments.
  // Kept until the result arrives, so a lost engine's task can run again.
  wire::Frames frames;
  uint32_t items = 1;      // calls in this task (a chunk of a map holds many)
  uint32_t engine_id = 0;  // 0 while queued
  uint32_t attempt = 1;
  uint32_t retries = 0;
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point deadline;  // while running with a timeout
  bool answered = false;  // the client already got its outcome (timeout, abort)
};

class TaskTable {
 public:
  // False if the key is already known (a duplicate submission).
  bool add(const TaskKey& key, TaskRecord record);
  TaskRecord* find(const TaskKey& key);
  void erase(const TaskKey& key);
  size_t size() const { return records_.size(); }

  void enqueue(const TaskKey& key) {
    queue_.push_back(key);
    ++queued_;
  }
  // For a task that already waited its turn once (its engine was lost).
  void enqueue_front(const TaskKey& key) {
    queue_.push_front(key);
    ++queued_;
  }
  // The next queued task still waiting, skipping entries whose task has
  // since gone (aborted); null when the queue is empty.
  TaskRecord* front(TaskKey& key);
  // Removes the entry front() returned, once it has been dispatched.
  void pop_front() {
    queue_.pop_front();
    --queued_;
  }
  size_t queue_depth() const { return queued_; }

  template <class F>
  void for_each(F&& f) {
    for (auto& [key, record] : records_) f(key, record);
  }

 private:
  std::unordered_map<TaskKey, TaskRecord, TaskKeyHash> records_;
  std::deque<TaskKey> queue_;
  size_t queued_ = 0;  // records waiting in queue_ (stale entries excluded)
};

}  // namespace herd::controller
