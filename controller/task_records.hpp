// The record of every task the controller was given: what it is, where it
// stands, and, once it ended, its outcome, so that any client can fetch a
// result by id (ipyparallel's task database, in memory).
//
// Retention: a result its client was sent counts as delivered. Delivered
// results go, oldest first, once there are more than `max_results` of them
// or they hold more than `max_bytes`; a result nobody was sent stays until
// it is fetched or purged. Records of unfinished tasks always stay.
//
// Cost: a client's task seqs count up from 1, so its records sit in a deque
// indexed by seq: no hashing and no allocation per task beyond the copy of
// the result frames (which share their buffers with the frames sent).
//
// Who wants a result that has not come yet (a FETCH) is kept here too, as a
// watcher of the task, or of the map it belongs to. Owned by the event loop.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "controller/packed_frames.hpp"
#include "controller/task_key.hpp"
#include "proto/wire.hpp"

namespace herd::controller {

enum class RecordState : uint8_t { kNone, kQueued, kRunning, kDone, kFailed, kAborted };
const char* state_name(RecordState state);  // "queued", …; "unknown" for kNone
bool finished(RecordState state);

struct Record {
  RecordState state = RecordState::kNone;
  bool delivered = false;  // its outcome reached a client
  bool map = false;        // a map as a whole; its chunks have records of their own
  uint32_t name = 0;       // interned, as the queue's names
  uint32_t signature = 0;  // interned
  uint32_t engine_id = 0;  // the engine that ran it last
  uint32_t attempt = 0;
  uint32_t runs = 0;        // a task: times sent to an engine; a map: items finished
  uint32_t items = 0;       // a task: 0 for a single call; a chunk or a map: its items
  uint64_t map_seq = 0;     // a chunk: its map's seq
  uint32_t first_item = 0;  // a chunk: its first item in the map
  double submitted = 0, started = 0, finished = 0;  // unix seconds
  size_t result_bytes = 0;
  uint32_t chunks = 0;  // a map: its chunks recorded, and not dropped since
  // An ended task: the RESULT as its client was sent it, without the
  // routing frame.
  PackedFrames result;
};

struct Submission {
  uint32_t name = 0, signature = 0;
  uint32_t items = 0;  // 0: a single call
  uint64_t map_seq = 0;
  uint32_t map_items = 0, first_item = 0;
  double at = 0;
};

// A client waiting for a result it asked for by id (FETCH).
struct Watcher {
  uint32_t session = 0;  // ClientTable index
  uint64_t request = 0;
  bool operator==(const Watcher&) const = default;
};

class TaskRecords {
 public:
  struct Limits {
    size_t max_results = 10'000;
    size_t max_bytes = size_t{256} << 20;
  };
  explicit TaskRecords(Limits limits) : limits_(limits) {}

  void submitted(const TaskKey& key, const Submission& s);
  void dispatched(const TaskKey& key, uint32_t engine_id, uint32_t attempt);
  void started(const TaskKey& key, double at);
  // `key` ended as `header` says, at unix time `at` unless the header
  // says when; `result` is what its client is sent (or would be, were it
  // there). Returns who else waits for it: watchers of the task and of its
  // map (a map's are kept until it is complete).
  std::vector<Watcher> ended(const TaskKey& key, const wire::Header& header, PackedFrames result,
                             bool delivered, double at);
  // Its outcome reached a client (a FETCH answered).
  void delivered(const TaskKey& key);

  Record* find(const TaskKey& key);
  const Record* find(const TaskKey& key) const;
  void watch(const TaskKey& key, Watcher w) { watchers_[key].push_back(w); }
  void forget_watcher(uint32_t session);

  // Drops the record of a finished task (or of a map whose chunks all
  // finished, with them). False if there is none or it has not finished.
  bool purge(const TaskKey& key);
  // The chunks of map `map` still recorded, in order. A scan of the
  // client's later records: chunks are not listed, so that dropping one
  // costs nothing, and fetching a map is rare.
  std::vector<TaskKey> chunks_of(const TaskKey& map) const;
  // Purges every finished task and map of `client`; returns how many.
  size_t purge_done(uint64_t client);

  // f(key, record) for each record, by client, then by seq.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [client, slots] : clients_)
      for (size_t i = 0; i < slots.records.size(); ++i)
        if (slots.records[i].state != RecordState::kNone)
          f(TaskKey{client, slots.base + i}, slots.records[i]);
  }

  size_t size() const { return records_; }
  // Room held: records, and the gaps between a client's records.
  size_t slots() const {
    size_t n = 0;
    for (const auto& [client, c] : clients_) n += c.records.size();
    return n;
  }
  size_t kept_results() const { return kept_results_; }
  size_t kept_bytes() const { return kept_bytes_; }

 private:
  struct ClientRecords {
    uint64_t base = 1;  // the seq of records.front()
    std::deque<Record> records;
  };
  Record& slot(const TaskKey& key);  // made if missing
  void keep(const TaskKey& key, Record& r);
  // Adds the watchers of `key` to `out`; `last`: they are done with.
  void take_watchers(const TaskKey& key, bool last, std::vector<Watcher>& out);
  void evict();
  void drop(const TaskKey& key);
  void trim(ClientRecords& c);
  bool map_done(const Record& map) const;

  Limits limits_;
  std::unordered_map<uint64_t, ClientRecords> clients_;
  std::unordered_map<TaskKey, std::vector<Watcher>, TaskKeyHash> watchers_;
  std::deque<TaskKey> delivered_;  // delivered results, oldest first (some purged since)
  size_t records_ = 0, kept_results_ = 0, kept_bytes_ = 0;
};

}  // namespace herd::controller
