// The task thread of an engine. It receives TASK messages from the engine's
// main thread over an inproc PAIR socket, runs them one at a time through the
// task registry and sends RESULT messages back the same way. A task that
// throws, or whose arguments do not decode, becomes an error result: nothing a
// task does ends the thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <thread>
#include <vector>

#include "herd/task.hpp"

#include "proto/wire.hpp"

namespace herd::engine {

class Executor {
 public:
  // `endpoint` is an inproc address the caller's PAIR socket has bound.
  Executor(zmq::context_t& context, std::string endpoint, std::string host);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void set_engine_id(uint32_t id) { engine_id_ = id; }
  bool busy() const { return busy_; }
  // Asks the thread to finish, through `control` (the caller's end of the
  // PAIR), and joins it if it is idle. Returns false if a task is running:
  // the thread is then detached, since a C++ thread cannot be stopped, and
  // the caller must end the process without tearing down the ZeroMQ context
  // (which would wait for the task).
  bool stop(zmq::socket_t& control);

  // Runs one task message (header, then arguments) and returns its result message.
  wire::Frames run(wire::Frames& task);
  // From the main thread: task (client, seq) was aborted. Raises the running
  // task's cancellation flag, or drops the task when its turn comes.
  void cancel(uint64_t client, uint64_t seq);

 private:
  using Key = std::pair<uint64_t, uint64_t>;
  void loop(zmq::socket_t& pair);
  // False if the task was cancelled before it began: it must not run.
  bool begin(const wire::Header& in);
  // The registry's entry for `name`; an entry without a function if unknown.
  const detail::TaskEntry& lookup(const std::string& name);
  wire::Frames execute(const wire::Header& in, wire::Frames& task);
  // Calls the task once; the failure, if it threw.
  static std::optional<wire::ItemFailure> call(const detail::TaskEntry& entry,
                                               const std::vector<Bytes>& args, Bytes& result);
  Bytes run_chunk(const detail::TaskEntry& entry, const std::vector<Bytes>& columns,
                  uint32_t items, wire::Header& out);

  zmq::context_t& context_;
  const std::string endpoint_;
  const std::string host_;
  std::atomic<uint32_t> engine_id_{0};
  std::atomic<bool> busy_{false};
  std::atomic<bool> cancel_flag_{false};  // the running task's
  std::mutex cancel_mutex_;
  Key current_{0, 0};        // the running task; guarded by cancel_mutex_
  std::set<Key> cancelled_;  // aborted before they began; guarded by cancel_mutex_
  detail::TaskEntry last_entry_;  // executor thread only
  std::thread thread_;
};

// The executor tells the main thread that a task began with a small raw
// message (an empty frame, then client and seq), cheaper than a header.
wire::Frames started_note(uint64_t client, uint64_t seq);
bool parse_started_note(const wire::Frames& frames, uint64_t& client, uint64_t& seq);

}  // namespace herd::engine
