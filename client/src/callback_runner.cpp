#include "callback_runner.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace herd::detail {

namespace {
// A thread cannot join itself: the last owner of a runner may be one of its
// own callbacks, or stop() may be called from one.
void join_unless_self(std::thread& t) {
  if (!t.joinable()) return;
  if (t.get_id() == std::this_thread::get_id()) {
    t.detach();
  } else {
    t.join();
  }
}
}  // namespace

CallbackRunner::~CallbackRunner() { stop(); }

void CallbackRunner::post(Callback fn) {
  std::thread finished;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(fn));
    if (running_) {
      wake_.notify_one();
      return;
    }
    // The previous thread (if any) left run() already and is only returning.
    finished = std::move(thread_);
    running_ = true;
    // The thread owns the runner while it runs, so the runner outlives it.
    thread_ = std::thread([self = shared_from_this()] { self->run(); });
  }
  join_unless_self(finished);
}

void CallbackRunner::stop() {
  std::thread t;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    t = std::move(thread_);
  }
  join_unless_self(t);
}

void CallbackRunner::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) {
      running_ = false;
      return;
    }
    Callback fn = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::warn("herd: a done callback threw: {}", e.what());
    } catch (...) {
      spdlog::warn("herd: a done callback threw something that is not a std::exception");
    }
    // Destroyed unlocked: it may hold the last handle of a result, and
    // through it of this runner.
    fn = nullptr;
    lock.lock();
  }
}

}  // namespace herd::detail
