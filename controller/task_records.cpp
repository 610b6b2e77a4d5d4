#include "controller/task_records.hpp"

#include <algorithm>
#include <utility>

namespace herd::controller {

const char* state_name(RecordState state) {
  switch (state) {
    case RecordState::kQueued:
      return "queued";
    case RecordState::kRunning:
      return "running";
    case RecordState::kDone:
      return "done";
    case RecordState::kFailed:
      return "failed";
    case RecordState::kAborted:
      return "aborted";
    case RecordState::kNone:
      break;
  }
  return "unknown";
}

bool finished(RecordState state) {
  return state == RecordState::kDone || state == RecordState::kFailed ||
         state == RecordState::kAborted;
}

Record& TaskRecords::slot(const TaskKey& key) {
  auto [it, fresh] = clients_.try_emplace(key.client);
  ClientRecords& c = it->second;
  if (fresh) c.base = key.seq;
  // A task held back by its client (it waited for another) comes after
  // later ones: room is made in front.
  for (; key.seq < c.base; --c.base) c.records.emplace_front();
  if (key.seq - c.base >= c.records.size()) c.records.resize(key.seq - c.base + 1);
  return c.records[key.seq - c.base];
}

Record* TaskRecords::find(const TaskKey& key) {
  return const_cast<Record*>(std::as_const(*this).find(key));
}

const Record* TaskRecords::find(const TaskKey& key) const {
  auto it = clients_.find(key.client);
  if (it == clients_.end() || key.seq < it->second.base) return nullptr;
  const size_t i = key.seq - it->second.base;
  if (i >= it->second.records.size()) return nullptr;
  const Record& r = it->second.records[i];
  return r.state == RecordState::kNone ? nullptr : &r;
}

void TaskRecords::submitted(const TaskKey& key, const Submission& s) {
  Record& r = slot(key);
  if (r.state != RecordState::kNone) return;  // a duplicate: the first stands
  ++records_;
  r.state = RecordState::kQueued;
  r.name = s.name;
  r.signature = s.signature;
  r.items = s.items;
  r.map_seq = s.map_seq;
  r.first_item = s.first_item;
  r.submitted = s.at;
  if (s.map_seq == 0) return;
  Record& map = slot({key.client, s.map_seq});
  if (map.state == RecordState::kNone) {
    ++records_;
    map.state = RecordState::kQueued;
    map.map = true;
    map.name = s.name;
    map.signature = s.signature;
    map.items = s.map_items;
    map.submitted = s.at;
  }
  ++map.chunks;
}

void TaskRecords::dispatched(const TaskKey& key, uint32_t engine_id, uint32_t attempt) {
  Record* r = find(key);
  if (!r) return;
  r->state = RecordState::kRunning;
  r->engine_id = engine_id;
  r->attempt = attempt;
  ++r->runs;
  if (!r->map_seq) return;
  if (Record* map = find({key.client, r->map_seq}); map && map->state == RecordState::kQueued)
    map->state = RecordState::kRunning;
}

void TaskRecords::started(const TaskKey& key, double at) {
  if (Record* r = find(key); r && r->started == 0) r->started = at;
}

std::vector<Watcher> TaskRecords::ended(const TaskKey& key, const wire::Header& header,
                                        PackedFrames result, bool delivered, double at) {
  Record& r = slot(key);
  if (r.state == RecordState::kNone) ++records_;
  r.state = header.status() == wire::OK        ? RecordState::kDone
            : header.status() == wire::ABORTED ? RecordState::kAborted
                                               : RecordState::kFailed;
  if (header.engine_id()) r.engine_id = header.engine_id();
  if (header.started() && !r.started) r.started = header.started();
  r.finished = header.finished() ? header.finished() : at;
  const size_t before = r.result_bytes;
  r.result_bytes = result.bytes();
  r.result = std::move(result);
  if (r.delivered) kept_bytes_ = kept_bytes_ - before + r.result_bytes;  // ended again

  std::vector<Watcher> watchers;
  take_watchers(key, true, watchers);
  if (r.map_seq) {
    const TaskKey map_key{key.client, r.map_seq};
    if (Record* map = find(map_key)) {
      map->runs += std::max<uint32_t>(r.items, 1);
      if (r.state != RecordState::kDone) map->state = RecordState::kFailed;
      map->finished = r.finished;
      const bool complete = map_done(*map);
      if (complete && map->state != RecordState::kFailed) map->state = RecordState::kDone;
      // A map's watchers hear of each chunk, and are done with once it is complete.
      take_watchers(map_key, complete, watchers);
    }
  }
  if (delivered && !r.delivered) keep(key, r);
  return watchers;
}

void TaskRecords::take_watchers(const TaskKey& key, bool last, std::vector<Watcher>& out) {
  if (watchers_.empty()) return;  // the common case: nobody fetched anything
  auto it = watchers_.find(key);
  if (it == watchers_.end()) return;
  out.insert(out.end(), it->second.begin(), it->second.end());
  if (last) watchers_.erase(it);
}

void TaskRecords::delivered(const TaskKey& key) {
  if (Record* r = find(key); r && finished(r->state) && !r->delivered) keep(key, *r);
}

void TaskRecords::keep(const TaskKey& key, Record& r) {
  r.delivered = true;
  ++kept_results_;
  kept_bytes_ += r.result_bytes;
  delivered_.push_back(key);
  evict();
  // Purged results leave their keys behind: drop those once they are most.
  if (delivered_.size() > 2 * kept_results_ + 1024)
    std::erase_if(delivered_, [this](const TaskKey& k) {
      const Record* kept = find(k);
      return !kept || !kept->delivered;
    });
}

void TaskRecords::evict() {
  while ((kept_results_ > limits_.max_results || kept_bytes_ > limits_.max_bytes) &&
         !delivered_.empty()) {
    const TaskKey key = delivered_.front();
    delivered_.pop_front();
    if (const Record* r = find(key); r && r->delivered) drop(key);
  }
}

void TaskRecords::drop(const TaskKey& key) {
  auto it = clients_.find(key.client);
  Record& r = it->second.records[key.seq - it->second.base];
  if (r.delivered) {
    --kept_results_;
    kept_bytes_ -= r.result_bytes;
  }
  if (r.map_seq) {
    if (Record* map = find({key.client, r.map_seq})) {
      // The map goes with its last chunk, once no more can come.
      if (--map->chunks == 0 && map_done(*map)) {
        *map = Record{};
        --records_;
      }
    }
  }
  r = Record{};
  --records_;
  trim(it->second);
  if (it->second.records.empty()) clients_.erase(it);
}

void TaskRecords::trim(ClientRecords& c) {
  for (; !c.records.empty() && c.records.front().state == RecordState::kNone; ++c.base)
    c.records.pop_front();
}

bool TaskRecords::map_done(const Record& map) const { return map.runs >= map.items; }

void TaskRecords::forget_watcher(uint32_t session) {
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    std::erase_if(it->second, [&](const Watcher& w) { return w.session == session; });
    it = it->second.empty() ? watchers_.erase(it) : std::next(it);
  }
}

bool TaskRecords::purge(const TaskKey& key) {
  Record* r = find(key);
  if (!r || r->map_seq) return false;  // a chunk goes with its map
  if (r->map) {
    if (!map_done(*r)) return false;
    for (const TaskKey& chunk : chunks_of(key)) drop(chunk);  // the last one drops the map
    return true;
  }
  if (!finished(r->state)) return false;
  drop(key);
  return true;
}

std::vector<TaskKey> TaskRecords::chunks_of(const TaskKey& map) const {
  std::vector<TaskKey> keys;
  auto it = clients_.find(map.client);
  if (it == clients_.end() || map.seq < it->second.base) return keys;
  const ClientRecords& c = it->second;
  for (size_t i = map.seq - c.base + 1; i < c.records.size(); ++i)
    if (c.records[i].state != RecordState::kNone && c.records[i].map_seq == map.seq)
      keys.push_back({map.client, c.base + i});
  return keys;
}

size_t TaskRecords::purge_done(uint64_t client) {
  std::vector<TaskKey> keys;
  for_each([&](const TaskKey& key, const Record& r) {
    if (key.client == client && !r.map_seq) keys.push_back(key);
  });
  size_t purged = 0;
  for (const TaskKey& key : keys) purged += purge(key) ? 1 : 0;
  return purged;
}

}  // namespace herd::controller
