#include "controller/task_table.hpp"

namespace herd::controller {

bool TaskTable::add(const TaskKey& key, TaskRecord record) {
  return records_.emplace(key, std::move(record)).second;
}

TaskRecord* TaskTable::find(const TaskKey& key) {
  auto it = records_.find(key);
  return it == records_.end() ? nullptr : &it->second;
}

void TaskTable::erase(const TaskKey& key) {
  auto it = records_.find(key);
  if (it == records_.end()) return;
  if (it->second.engine_id == 0) --queued_;  // its queue entry turns stale
  records_.erase(it);
}

TaskRecord* TaskTable::front(TaskKey& key) {
  while (!queue_.empty()) {
    key = queue_.front();
    TaskRecord* record = find(key);
    if (record && record->engine_id == 0) return record;
    queue_.pop_front();  // stale: aborted while queued
  }
  return nullptr;
}

}  // namespace herd::controller
