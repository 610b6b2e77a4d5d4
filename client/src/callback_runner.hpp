// CallbackRunner: the thread that runs done callbacks, so that a callback
// never runs on the caller's thread (where it could deadlock on the caller's
// locks) nor on the client's I/O thread (where a callback calling get()
// would wait for the very thread it blocks).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace herd::detail {

// Thread-safe. Runs callbacks one at a time, in the order they were posted;
// one that throws is logged and the next one runs. Held by shared_ptr: the
// client and every result state it made share one runner.
class CallbackRunner : public std::enable_shared_from_this<CallbackRunner> {
 public:
  using Callback = std::function<void()>;

  CallbackRunner() = default;
  // Joins the thread, after it ran what was queued.
  ~CallbackRunner();
  CallbackRunner(const CallbackRunner&) = delete;
  CallbackRunner& operator=(const CallbackRunner&) = delete;

  // Queues `fn` and returns at once. Starts the thread on first use, so a
  // client that never registers a callback never has the thread.
  void post(Callback fn);
  // Blocks until what is queued has run, then joins the thread. Later posts
  // (a callback added to a result that outlived its client) start a thread
  // again that ends as soon as its queue is empty. Called from a callback,
  // it returns at once and the thread ends after that callback's queue.
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Callback> queue_;
  bool running_ = false;   // a thread is in run()
  bool stopping_ = false;  // once stop() was called: threads end when idle
  std::thread thread_;
};

}  // namespace herd::detail
