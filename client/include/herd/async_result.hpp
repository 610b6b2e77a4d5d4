// AsyncResult<R> and AsyncMapResult<R>: the handles apply() and map() return.
// Thread-safe: any thread may wait on or read a result while the client's
// I/O thread completes it.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "herd/bytes.hpp"
#include "herd/codec.hpp"
#include "herd/completion_range.hpp"
#include "herd/error.hpp"

namespace herd {

// Where and when a task (or an item of a map: its own times and output,
// chunked or not) ran, and what it wrote.
struct TaskMetadata {
  std::string task_id;
  uint32_t engine_id = 0;
  std::string host;
  uint32_t attempt = 0;
  std::chrono::system_clock::time_point submitted, started, completed;
  // What the task wrote to stdout and stderr on its engine (printf,
  // std::cout, std::cerr, child processes), each cut at
  // TaskOptions::max_output bytes, then a line "[herd: output cut at N
  // bytes of M]". Empty for a task that printed nothing.
  std::string stdout_text, stderr_text;
};

namespace detail {

class ClientCore;
// The state behind a submission. Defined inside libherd only
// (client/src/result_state.hpp): handles reach it through Results, so its
// layout is no part of libherd's ABI.
class ResultState;

// An item number that stands for every item of a submission.
inline constexpr size_t kAllItems = static_cast<size_t>(-1);

// What AsyncResult and AsyncMapResult hold: a shared handle on one
// submission's state (one item for apply(), one per input for map()). In a
// header because the handles are templates; every call is out of line.
class Results {
 public:
  Results() = default;
  // Implicit: libherd hands states out as shared pointers.
  Results(std::shared_ptr<ResultState> state) : state_(std::move(state)) {}  // NOLINT
  // A submission of no items, finished from the start.
  static Results none();

  explicit operator bool() const { return state_ != nullptr; }
  const std::shared_ptr<ResultState>& state() const { return state_; }

  size_t size() const;
  void wait(size_t item) const;
  bool wait_until(size_t item, std::chrono::steady_clock::time_point deadline) const;
  void wait_all() const;
  bool wait_all_until(std::chrono::steady_clock::time_point deadline) const;
  bool ready(size_t item) const;
  bool all_ready() const;
  bool successful(size_t item) const;  // throws NotReady
  bool all_successful() const;         // throws NotReady
  // The encoded result of a finished item; rethrows its error.
  Bytes value(size_t item) const;
  std::exception_ptr error(size_t item) const;
  // The lowest failing item, or size() if none failed.
  size_t first_failure() const;
  TaskMetadata metadata(size_t item) const;  // throws NotReady
  std::string id(size_t item) const;
  std::string id() const;
  void abort() const;
  // Runs `fn` once on the callback thread when `item` (or, for kAllItems,
  // every item) has finished.
  void add_done_callback(size_t item, std::function<void()> fn) const;
  CompletionRange as_completed() const;
  void wait_interactive() const;

 private:
  std::shared_ptr<ResultState> state_;
};

template <class R>
R decode_result(const Results& results, size_t item) {
  const Bytes value = results.value(item);
  if constexpr (!std::is_void_v<R>) return decode_frame<R>(value);
}

// One result among several: a state and its item (kAllItems: all of them).
struct ResultRef {
  std::shared_ptr<ResultState> state;
  size_t item = 0;
};

// What the free functions over results (herd/wait.hpp) take from a handle.
struct HandleAccess {
  template <class Handle>
  static ResultRef ref(const Handle& handle) {
    return {handle.results_.state(), handle.item_};
  }
  template <class Handle>
  static const std::shared_ptr<ResultState>& state(const Handle& handle) {
    return handle.results_.state();
  }
  template <class Dependency>
  static const ResultRef& dependency(const Dependency& d) {
    return d.ref_;
  }
};

[[noreturn]] void throw_timeout(const std::string& what);
// Rethrows `error`, stamping a RemoteError with the map index it came from.
[[noreturn]] void rethrow_with_index(std::exception_ptr error, size_t index);

}  // namespace detail

template <class R>
class AsyncResult {
 public:
  AsyncResult() = default;
  explicit AsyncResult(detail::Results results, size_t item = 0)
      : results_(std::move(results)), item_(item) {}

  // Blocks until the task finishes (successfully or not).
  void wait() const { results().wait(item_); }
  // True if the task finished within `timeout`.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) const {
    return results().wait_until(item_, std::chrono::steady_clock::now() + timeout);
  }
  // The result; rethrows the task's failure as a herd::Error.
  R get() const {
    wait();
    return decode();
  }
  // As get(), but throws TimeoutError if not finished within `timeout`.
  template <class Rep, class Period>
  R get(std::chrono::duration<Rep, Period> timeout) const {
    if (!wait(timeout)) detail::throw_timeout("result of task " + id() + " not ready in time");
    return decode();
  }
  bool ready() const { return results().ready(item_); }
  // Whether it finished without error; throws NotReady while running.
  bool successful() const { return results().successful(item_); }
  // Drops the task if it has not run yet (TaskAborted). For an item of a
  // map, this aborts the rest of the map.
  void abort() { results().abort(); }
  [[nodiscard]] std::string id() const { return results().id(item_); }
  TaskMetadata metadata() const { return results().metadata(item_); }

  // Calls fn(*this) as `const AsyncResult<R>&` once the task has finished,
  // successfully or not (soon after this call, if it has already). fn runs
  // on the client's callback thread, never on the caller's nor the I/O
  // thread, so it may call get() or submit more tasks; callbacks run one at
  // a time, so a slow one delays the others. An exception fn throws is
  // logged and dropped. Each callback runs exactly once: a result that can
  // no longer finish (its client closed) fails first. Does not block;
  // thread-safe; throws Error if this handle was default-constructed.
  template <class F>
  void add_done_callback(F fn) const {
    results().add_done_callback(item_, [self = *this, fn = std::move(fn)]() mutable { fn(self); });
  }

 private:
  friend struct detail::HandleAccess;

  R decode() const {
    if (results().size() > 1) {
      if (auto e = results().error(item_)) detail::rethrow_with_index(e, item_);
    }
    return detail::decode_result<R>(results(), item_);
  }

  // A default-constructed handle refers to no task.
  const detail::Results& results() const {
    if (!results_) throw Error("this AsyncResult was default-constructed and refers to no task");
    return results_;
  }

  detail::Results results_;
  size_t item_ = 0;
};

// The handle map() returns: one result per input index.
template <class R>
class AsyncMapResult {
 public:
  AsyncMapResult() = default;
  explicit AsyncMapResult(detail::Results results) : results_(std::move(results)) {}

  [[nodiscard]] size_t size() const { return results_ ? results_.size() : 0; }
  // The result for input index i, to inspect items one by one.
  [[nodiscard]] AsyncResult<R> operator[](size_t i) const {
    if (i >= size()) throw Error("map result index " + std::to_string(i) + " out of range");
    return AsyncResult<R>(results_, i);
  }

  void wait() const {
    if (results_) results_.wait_all();
  }
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) const {
    return !results_ || results_.wait_all_until(std::chrono::steady_clock::now() + timeout);
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
  bool ready() const { return !results_ || results_.all_ready(); }
  bool successful() const { return !results_ || results_.all_successful(); }
  void abort() {
    if (results_) results_.abort();
  }
  [[nodiscard]] std::string id() const { return results_ ? results_.id() : ""; }
  std::vector<TaskMetadata> metadata() const {
    std::vector<TaskMetadata> out;
    for (size_t i = 0; i < size(); ++i) out.push_back(results_.metadata(i));
    return out;
  }

  // Input indices in the order their items finish, failed ones included:
  //   for (size_t i : m.as_completed()) use(m[i]);
  // Iterating blocks until the next item finishes (see CompletionRange);
  // the range keeps this map's results alive. Thread-safe to call; does
  // not throw for failed items.
  [[nodiscard]] CompletionRange as_completed() const { return or_none().as_completed(); }
  // As wait(), drawing a progress bar (done/total, failures, rate, time
  // left) on stderr a few times a second while it waits, if stderr is a
  // terminal; otherwise it only waits. Blocks; never throws for a failed
  // item (get() does). Thread-safe, but two at once draw over each other.
  void wait_interactive() const { or_none().wait_interactive(); }
  // Calls fn(*this) as `const AsyncMapResult<R>&` once every item has
  // finished; otherwise as AsyncResult::add_done_callback.
  template <class F>
  void add_done_callback(F fn) const {
    or_none().add_done_callback(detail::kAllItems,
                                [self = *this, fn = std::move(fn)]() mutable { fn(self); });
  }

 private:
  friend struct detail::HandleAccess;

  auto collect() const {
    if (results_) {
      const size_t failed = results_.first_failure();
      if (failed < size()) detail::rethrow_with_index(results_.error(failed), failed);
    }
    if constexpr (std::is_void_v<R>) {
      return;
    } else {
      std::vector<R> out;
      out.reserve(size());
      for (size_t i = 0; i < size(); ++i) out.push_back(detail::decode_result<R>(results_, i));
      return out;
    }
  }
  // A default-constructed map has no items: it is done from the start.
  detail::Results or_none() const { return results_ ? results_ : detail::Results::none(); }

  detail::Results results_;
};

}  // namespace herd
