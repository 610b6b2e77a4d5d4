// The task thread of an engine. It receives TASK messages from the engine's
// main thread over an inproc PAIR socket, runs them one at a time through the
// task registry and sends RESULT messages back the same way. A task that
// throws, or whose arguments do not decode, becomes an error result: nothing a
// task does ends the thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "proto/wire.hpp"

namespace herd::engine {

class OutputCapture;

class Executor {
 public:
  // `endpoint` is an inproc address the caller's PAIR socket has bound.
  // What tasks write goes back with their results through `capture`, which
  // must outlive the thread; without one it is left where it goes.
  Executor(zmq::context_t& context, std::string endpoint, std::string host,
           OutputCapture* capture = nullptr);
  // Ends the thread if stop() did not: at once if it is idle. A running task
  // cannot be stopped: the thread is then detached; it keeps what it uses
  // alive (the core is shared), drops the task's result and ends after it.
  // The caller's ZeroMQ context cannot be terminated before that.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // The engine id tasks see, in herd::this_task() and in HERD_ENGINE_ID
  // (which the task thread sets itself, between tasks: see executor.cpp).
  void set_engine_id(uint32_t id);
  bool busy() const;
  // Asks the thread to finish, through `control` (the caller's end of the
  // PAIR), and joins it if it is idle. Returns false if a task is running:
  // the thread is then detached, since a C++ thread cannot be stopped, and
  // the caller must end the process without tearing down the ZeroMQ context
  // (which would wait for the task). Tasks not yet begun never begin.
  bool stop(zmq::socket_t& control);

  // Runs one task message (header, then arguments) and returns its result message.
  wire::Frames run(wire::Frames& task);
  // From the main thread: task (client, seq) was aborted. Raises the running
  // task's cancellation flag, or drops the task when its turn comes.
  void cancel(uint64_t client, uint64_t seq);
  // From the main thread: takes back the tasks of `held` (every task given
  // to the executor and not answered, oldest first) that have not begun:
  // they are skipped, without a note, when their turn comes. Returns how
  // many: always the newest of `held`.
  size_t recall(const std::deque<std::pair<uint64_t, uint64_t>>& held);
  // From the main thread: the engine retires. The running task finishes;
  // every task queued behind it is handed back with a returned note instead
  // of running; then the thread sends a drained note through `control`.
  void retire(zmq::socket_t& control);

 private:
  class Core;  // everything the thread uses; owned by the thread as well

  // Ends the thread: joined if idle, else detached (it ends after its task).
  bool finish();

  std::shared_ptr<Core> core_;
  std::thread thread_;
};

// The executor tells the main thread that a task began with a small raw
// message (an empty frame, then client and seq), cheaper than a header.
wire::Frames started_note(uint64_t client, uint64_t seq);
bool parse_started_note(const wire::Frames& frames, uint64_t& client, uint64_t& seq);
// A retiring engine's task thread hands back a task it did not begin with a
// returned note (a started note with a third, empty frame), and says it has
// nothing left with a drained note (one frame, "drained").
wire::Frames returned_note(uint64_t client, uint64_t seq);
bool parse_returned_note(const wire::Frames& frames, uint64_t& client, uint64_t& seq);
bool is_drained_note(const wire::Frames& frames);

}  // namespace herd::engine
