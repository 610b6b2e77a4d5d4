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
  // Its queue entry turns stale (a held task has none).
  if (it->second.engine_id == 0 && !it->second.held) --queued_;
  records_.erase(it);
}

void TaskTable::push(const TaskKey& key, bool front) {
  TaskRecord* record = find(key);
  if (!record) return;
  record->ticket = next_ticket_++;
  const uint32_t client = record->client;
  if (queues_.size() <= client) {
    queues_.resize(client + 1);
    in_ring_.resize(client + 1, false);
  }
  if (front)
    queues_[client].push_front({key, record->ticket});
  else
    queues_[client].push_back({key, record->ticket});
  ++entries_;
  ++queued_;
  // A client that joins has had no turn yet: it goes first, and then to
  // the back like every other.
  if (!in_ring_[client]) {
    in_ring_[client] = true;
    ring_.push_front(client);
  }
}

TaskRecord* TaskTable::live(const Entry& entry) {
  TaskRecord* record = find(entry.key);
  return record && record->engine_id == 0 && record->ticket == entry.ticket ? record : nullptr;
}

TaskRecord* TaskTable::front(TaskKey& key) {
  drop_stale();
  for (uint32_t client : ring_) {
    for (const Entry& e : queues_[client]) {
      if (TaskRecord* record = live(e)) {
        key = e.key;
        return record;
      }
    }
  }
  return nullptr;
}

void TaskTable::rotate(size_t served) {
  for (size_t i = 0; i < served && !ring_.empty(); ++i) {
    ring_.push_back(ring_.front());
    ring_.pop_front();
  }
}

void TaskTable::drop_stale() {
  // Stale entries in the middle (tasks dispatched past a waiting one) are
  // dropped once they outnumber the live ones, keeping scans short.
  const bool compact = entries_ > 2 * queued_ + 4096;
  std::deque<uint32_t> kept_ring;
  for (uint32_t client : ring_) {
    std::deque<Entry>& queue = queues_[client];
    const size_t before = queue.size();
    if (compact) {
      std::deque<Entry> kept;
      for (const Entry& e : queue)
        if (live(e)) kept.push_back(e);
      queue.swap(kept);
    } else {
      while (!queue.empty() && !live(queue.front())) queue.pop_front();
    }
    entries_ -= before - queue.size();
    if (queue.empty())
      in_ring_[client] = false;
    else
      kept_ring.push_back(client);
  }
  ring_.swap(kept_ring);
}

}  // namespace herd::controller
