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

void TaskTable::push(const TaskKey& key, bool front) {
  TaskRecord* record = find(key);
  if (!record) return;
  record->ticket = next_ticket_++;
  if (front) queue_.push_front({key, record->ticket});
  else queue_.push_back({key, record->ticket});
  ++queued_;
}

TaskRecord* TaskTable::live(const Entry& entry) {
  TaskRecord* record = find(entry.key);
  return record && record->engine_id == 0 && record->ticket == entry.ticket ? record : nullptr;
}

TaskRecord* TaskTable::front(TaskKey& key) {
  drop_stale();
  if (queue_.empty()) return nullptr;
  key = queue_.front().key;
  return live(queue_.front());
}

void TaskTable::drop_stale() {
  while (!queue_.empty() && !live(queue_.front())) queue_.pop_front();
  // Stale entries in the middle (tasks dispatched past a waiting one) are
  // dropped once they outnumber the live ones, keeping scans short.
  if (queue_.size() > 2 * queued_ + 4096) {
    std::deque<Entry> kept;
    for (const Entry& e : queue_)
      if (live(e)) kept.push_back(e);
    queue_.swap(kept);
  }
}

}  // namespace herd::controller
