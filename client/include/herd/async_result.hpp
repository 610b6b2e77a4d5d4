// AsyncResult<R>: the handle apply() returns. Thread-safe: any thread may
// wait on or read a result; the client's I/O thread completes it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "herd/bytes.hpp"
#include "herd/codec.hpp"
#include "herd/error.hpp"

namespace herd {

struct TaskMetadata {
  std::string task_id;
  uint32_t engine_id = 0;
  std::string host;
  uint32_t attempt = 0;
  std::chrono::system_clock::time_point submitted, started, completed;
};

namespace detail {

class ClientCore;

// The shared state behind one task's result.
class ResultState {
 public:
  ResultState(std::string task_id, uint64_t seq, std::weak_ptr<ClientCore> core);

  // Completion, by the client's I/O thread. The first completion wins.
  void complete(Bytes value, TaskMetadata metadata);
  void fail(std::exception_ptr error, TaskMetadata metadata);

  void wait() const;
  bool wait_until(std::chrono::steady_clock::time_point deadline) const;
  bool ready() const;
  bool successful() const;  // throws NotReady
  // The encoded result; rethrows the task's error. Call after wait().
  const Bytes& value() const;
  std::exception_ptr error() const;  // null unless failed; call after wait()
  TaskMetadata metadata() const;     // throws NotReady
  const std::string& id() const { return task_id_; }
  uint64_t seq() const { return seq_; }
  void abort();

 private:
  void finish(Bytes value, std::exception_ptr error, TaskMetadata metadata);

  const std::string task_id_;
  const uint64_t seq_;
  const std::weak_ptr<ClientCore> core_;
  mutable std::mutex mutex_;
  mutable std::condition_variable done_cv_;
  bool done_ = false;
  Bytes value_;
  std::exception_ptr error_;
  TaskMetadata metadata_;
};

template <class R>
R decode_result(const ResultState& state) {
  const Bytes& value = state.value();
  if constexpr (!std::is_void_v<R>) return decode_frame<R>(value);
}

[[noreturn]] void throw_timeout(const std::string& what);

}  // namespace detail

template <class R>
class AsyncResult {
 public:
  AsyncResult() = default;
  explicit AsyncResult(std::shared_ptr<detail::ResultState> state) : state_(std::move(state)) {}

  // Blocks until the task finishes (successfully or not).
  void wait() const { state_->wait(); }
  // True if the task finished within `timeout`.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) const {
    return state_->wait_until(std::chrono::steady_clock::now() + timeout);
  }
  // The result; rethrows the task's failure as a herd::Error.
  R get() const {
    state_->wait();
    return detail::decode_result<R>(*state_);
  }
  // As get(), but throws TimeoutError if not finished within `timeout`.
  template <class Rep, class Period>
  R get(std::chrono::duration<Rep, Period> timeout) const {
    if (!wait(timeout)) detail::throw_timeout("result of task " + id() + " not ready in time");
    return detail::decode_result<R>(*state_);
  }
  bool ready() const { return state_->ready(); }
  // Whether it finished without error; throws NotReady while running.
  bool successful() const { return state_->successful(); }
  // Drops the task if still queued; its result then fails with TaskAborted.
  void abort() { state_->abort(); }
  const std::string& id() const { return state_->id(); }
  TaskMetadata metadata() const { return state_->metadata(); }

 private:
  std::shared_ptr<detail::ResultState> state_;
};

// The handle map() returns: one task per input index.
template <class R>
class AsyncMapResult {
 public:
  AsyncMapResult() = default;
  explicit AsyncMapResult(std::vector<std::shared_ptr<detail::ResultState>> states)
      : states_(std::move(states)) {}

  size_t size() const { return states_.size(); }
  // The result for input index i, to inspect items one by one.
  AsyncResult<R> operator[](size_t i) const { return AsyncResult<R>(states_.at(i)); }

  void wait() const {
    for (const auto& s : states_) s->wait();
  }
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (const auto& s : states_)
      if (!s->wait_until(deadline)) return false;
    return true;
  }
  // All results in input order; throws the failure of the lowest failing
  // index (a RemoteError's index() says which).
  auto get() const {
    wait();
    return collect();
  }
  template <class Rep, class Period>
  auto get(std::chrono::duration<Rep, Period> timeout) const {
    if (!wait(timeout)) detail::throw_timeout("map results not ready in time");
    return collect();
  }
  bool ready() const {
    for (const auto& s : states_)
      if (!s->ready()) return false;
    return true;
  }
  bool successful() const {
    bool ok = true;
    for (const auto& s : states_) ok = s->successful() && ok;  // throws NotReady first
    return ok;
  }
  void abort() {
    for (const auto& s : states_) s->abort();
  }
  // The ids of the map's tasks, in input order.
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& s : states_) out.push_back(s->id());
    return out;
  }
  std::string id() const { return states_.empty() ? "" : states_.front()->id() + "+" + std::to_string(states_.size()); }
  std::vector<TaskMetadata> metadata() const {
    std::vector<TaskMetadata> out;
    for (const auto& s : states_) out.push_back(s->metadata());
    return out;
  }

 private:
  auto collect() const {
    rethrow_first_failure();
    if constexpr (std::is_void_v<R>) {
      return;
    } else {
      std::vector<R> out;
      out.reserve(states_.size());
      for (const auto& s : states_) out.push_back(detail::decode_result<R>(*s));
      return out;
    }
  }
  void rethrow_first_failure() const;

  std::vector<std::shared_ptr<detail::ResultState>> states_;
};

namespace detail {
// Rethrows `error`, stamping a RemoteError with the map index it came from.
[[noreturn]] void rethrow_with_index(std::exception_ptr error, size_t index);
}  // namespace detail

template <class R>
void AsyncMapResult<R>::rethrow_first_failure() const {
  for (size_t i = 0; i < states_.size(); ++i)
    if (auto e = states_[i]->error()) detail::rethrow_with_index(e, i);
}

}  // namespace herd
