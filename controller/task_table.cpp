#include "controller/task_table.hpp"

#include <algorithm>
#include <iterator>

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
  std::vector<Lane>& lanes = queues_[client];
  auto lane = std::find_if(lanes.begin(), lanes.end(), [&](const Lane& l) {
    return l.name == record->name && l.engines == record->engines;
  });
  if (lane == lanes.end()) {
    lanes.push_back({record->engines, record->name, {}});
    lane = std::prev(lanes.end());
  }
  if (front)
    lane->entries.push_front({key, record->ticket, --front_order_});
  else
    lane->entries.push_back({key, record->ticket, ++back_order_});
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

size_t TaskTable::next_lane(std::vector<Lane>& lanes) {
  size_t best = lanes.size();
  for (size_t l = 0; l < lanes.size(); ++l) {
    Lane& lane = lanes[l];
    if (lane.skipped) continue;
    while (lane.cursor < lane.entries.size() && !live(lane.entries[lane.cursor])) ++lane.cursor;
    if (lane.cursor == lane.entries.size()) continue;
    if (best == lanes.size() ||
        lane.entries[lane.cursor].order < lanes[best].entries[lanes[best].cursor].order)
      best = l;
  }
  return best;
}

TaskRecord* TaskTable::front(TaskKey& key) {
  drop_stale();
  for (uint32_t client : ring_) {
    std::vector<Lane>& lanes = queues_[client];
    for (Lane& lane : lanes) {
      lane.cursor = 0;
      lane.skipped = false;
    }
    const size_t l = next_lane(lanes);
    if (l == lanes.size()) continue;
    key = lanes[l].entries[lanes[l].cursor].key;
    return find(key);
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
    std::vector<Lane>& lanes = queues_[client];
    for (Lane& lane : lanes) {
      std::deque<Entry>& queue = lane.entries;
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
    }
    std::erase_if(lanes, [](const Lane& lane) { return lane.entries.empty(); });
    if (lanes.empty())
      in_ring_[client] = false;
    else
      kept_ring.push_back(client);
  }
  ring_.swap(kept_ring);
}

}  // namespace herd::controller
