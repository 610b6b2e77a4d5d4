// AsyncResult<R> and AsyncMapResult<R>: the handles apply() and map() return.
// Thread-safe: any thread may wait on or read a result while the client's
// I/O thread completes it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
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
class CallbackRunner;
class ResultState;

// Told by a ResultState of each item as it finishes (see ResultState::watch).
class CompletionWatcher {
 public:
  virtual ~CompletionWatcher() = default;
  // Called with the state's lock held: must be quick and must not call back
  // into the state.
  virtual void finished(const ResultState& state, size_t item, bool ok) = 0;
};

// The shared state behind one submission: one item for apply(), one per
// input for map(). Items finish in chunks (one wire task each), in any order.
class ResultState : public std::enable_shared_from_this<ResultState> {
 public:
  // Done callbacks run on `runner`; without one, the state makes its own
  // when the first callback is added.
  ResultState(std::string id, size_t items, std::weak_ptr<ClientCore> core,
              std::shared_ptr<CallbackRunner> runner = nullptr);
  ResultState(const ResultState&) = delete;
  ResultState& operator=(const ResultState&) = delete;

  static constexpr size_t kAllItems = static_cast<size_t>(-1);

  struct ItemFailure {
    size_t index;  // within the chunk
    std::exception_ptr error;
  };
  // What a chunk says of each item besides its value.
  struct ItemDetails {
    // Per item, when it completed: microseconds after the chunk's start; an
    // item started when the one before it completed. Empty: every item has
    // the chunk's times.
    std::vector<uint64_t> done_us;
    // By index within the chunk, for items that wrote something.
    std::map<size_t, std::pair<std::string, std::string>> output;  // stdout, stderr
  };
  // By the client's I/O thread. `values` holds one encoded result per item
  // of the chunk starting at `first` (ignored for failed items). An item
  // finishes once; later completions of it are ignored.
  void finish_chunk(size_t first, std::vector<Bytes> values, std::vector<ItemFailure> failures,
                    TaskMetadata metadata, ItemDetails details = {});
  // Fails `count` items from `first` that have not finished.
  void fail_range(size_t first, size_t count, std::exception_ptr error, TaskMetadata metadata,
                  ItemDetails details = {});
  void fail_unfinished(std::exception_ptr error);
  // Single-item conveniences.
  void complete(Bytes value, TaskMetadata metadata);
  void fail(std::exception_ptr error, TaskMetadata metadata);

  size_t size() const { return states_.size(); }
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
  const std::string& id() const { return id_; }
  // Drops what has not run yet; those items fail with TaskAborted.
  void abort();

  // Runs `fn` once on the callback runner when `item` has finished (at once
  // if it has), or when every item has for kAllItems.
  void add_done_callback(size_t item, std::function<void()> fn);
  // A one-item state that, once every item here has finished, holds
  // combine(their values in item order), or the failure of the lowest
  // failing item (or what combine threw). combine runs on the thread that
  // finishes the last item (the I/O thread, usually): it must not block.
  // Aborting the derived state aborts this one.
  std::shared_ptr<ResultState> derive(std::function<Bytes(std::vector<Bytes>)> combine);
  // Tells `watcher` of every item that finished so far, in the order they
  // finished, then of each item as it finishes. Held weakly: a watcher
  // that is gone is forgotten.
  void watch(const std::shared_ptr<CompletionWatcher>& watcher);

 private:
  enum class ItemState : uint8_t { kPending, kOk, kFailed };
  using Callbacks = std::vector<std::function<void()>>;
  bool item_done(size_t item) const { return states_[item] != ItemState::kPending; }
  // Marks a pending item finished; call locked. Moves the callbacks now due to `due`.
  void finish_item(size_t item, ItemState state, uint32_t chunk, Callbacks& due);
  void run_callbacks(Callbacks due);
  void check_done(size_t item) const;  // throws NotReady; call locked

  const std::string id_;
  const std::weak_ptr<ClientCore> core_;
  const std::chrono::system_clock::time_point submitted_;
  mutable std::mutex mutex_;
  mutable std::condition_variable done_cv_;
  size_t pending_;
  std::vector<ItemState> states_;
  std::vector<Bytes> values_;
  std::map<size_t, std::exception_ptr> errors_;  // few: only failed items
  struct Chunk {
    TaskMetadata metadata;
    size_t first = 0;
    std::vector<uint64_t> done_us;  // see ItemDetails
  };
  std::vector<uint32_t> chunk_of_;  // item -> index into chunks_
  std::vector<Chunk> chunks_;
  std::map<size_t, std::pair<std::string, std::string>> output_;  // items that wrote something
  std::vector<size_t> order_;                               // items in the order they finished
  std::multimap<size_t, std::function<void()>> callbacks_;  // by item, or kAllItems
  std::vector<std::weak_ptr<CompletionWatcher>> watchers_;
  std::shared_ptr<CallbackRunner> runner_;
  Callbacks continuations_;              // derive(): run inline once every item finished
  std::shared_ptr<ResultState> source_;  // for a derived state: what it derives from
};

template <class R>
R decode_result(const ResultState& state, size_t item) {
  const Bytes value = state.value(item);
  if constexpr (!std::is_void_v<R>) return decode_frame<R>(value);
}

// One result among several: a state and its item.
struct ResultRef {
  std::shared_ptr<ResultState> state;
  size_t item = 0;
};

// The items of one state as they finish, and a progress display over them.
CompletionRange as_completed(std::shared_ptr<ResultState> state);
void wait_interactive(std::shared_ptr<ResultState> state);

// What the free functions over results (herd/wait.hpp) take from a handle.
struct HandleAccess {
  template <class Handle>
  static ResultRef ref(const Handle& handle) {
    return {handle.state_, handle.item_};
  }
  template <class Handle>
  static const std::shared_ptr<ResultState>& state(const Handle& handle) {
    return handle.state_;
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
  explicit AsyncResult(std::shared_ptr<detail::ResultState> state, size_t item = 0)
      : state_(std::move(state)), item_(item) {}

  // Blocks until the task finishes (successfully or not).
  void wait() const { state().wait(item_); }
  // True if the task finished within `timeout`.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) const {
    return state().wait_until(item_, std::chrono::steady_clock::now() + timeout);
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
  bool ready() const { return state().ready(item_); }
  // Whether it finished without error; throws NotReady while running.
  bool successful() const { return state().successful(item_); }
  // Drops the task if it has not run yet (TaskAborted). For an item of a
  // map, this aborts the rest of the map.
  void abort() { state().abort(); }
  std::string id() const { return state().id(item_); }
  TaskMetadata metadata() const { return state().metadata(item_); }

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
    state().add_done_callback(item_, [self = *this, fn = std::move(fn)]() mutable { fn(self); });
  }

 private:
  friend struct detail::HandleAccess;

  R decode() const {
    if (state().size() > 1) {
      if (auto e = state().error(item_)) detail::rethrow_with_index(e, item_);
    }
    return detail::decode_result<R>(state(), item_);
  }

  // A default-constructed handle refers to no task.
  detail::ResultState& state() const {
    if (!state_) throw Error("this AsyncResult was default-constructed and refers to no task");
    return *state_;
  }

  std::shared_ptr<detail::ResultState> state_;
  size_t item_ = 0;
};

// The handle map() returns: one result per input index.
template <class R>
class AsyncMapResult {
 public:
  AsyncMapResult() = default;
  explicit AsyncMapResult(std::shared_ptr<detail::ResultState> state) : state_(std::move(state)) {}

  size_t size() const { return state_ ? state_->size() : 0; }
  // The result for input index i, to inspect items one by one.
  AsyncResult<R> operator[](size_t i) const {
    if (i >= size()) throw Error("map result index " + std::to_string(i) + " out of range");
    return AsyncResult<R>(state_, i);
  }

  void wait() const {
    if (state_) state_->wait_all();
  }
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) const {
    return !state_ || state_->wait_all_until(std::chrono::steady_clock::now() + timeout);
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
  bool ready() const { return !state_ || state_->all_ready(); }
  bool successful() const { return !state_ || state_->all_successful(); }
  void abort() {
    if (state_) state_->abort();
  }
  std::string id() const { return state_ ? state_->id() : ""; }
  std::vector<TaskMetadata> metadata() const {
    std::vector<TaskMetadata> out;
    for (size_t i = 0; i < size(); ++i) out.push_back(state_->metadata(i));
    return out;
  }

  // Input indices in the order their items finish, failed ones included:
  //   for (size_t i : m.as_completed()) use(m[i]);
  // Iterating blocks until the next item finishes (see CompletionRange);
  // the range keeps this map's results alive. Thread-safe to call; does
  // not throw for failed items.
  CompletionRange as_completed() const {
    return detail::as_completed(state_ ? state_ : empty_state());
  }
  // As wait(), drawing a progress bar (done/total, failures, rate, time
  // left) on stderr a few times a second while it waits, if stderr is a
  // terminal; otherwise it only waits. Blocks; never throws for a failed
  // item (get() does). Thread-safe, but two at once draw over each other.
  void wait_interactive() const { detail::wait_interactive(state_ ? state_ : empty_state()); }
  // Calls fn(*this) as `const AsyncMapResult<R>&` once every item has
  // finished; otherwise as AsyncResult::add_done_callback.
  template <class F>
  void add_done_callback(F fn) const {
    (state_ ? state_ : empty_state())
        ->add_done_callback(detail::ResultState::kAllItems,
                            [self = *this, fn = std::move(fn)]() mutable { fn(self); });
  }

 private:
  friend struct detail::HandleAccess;

  auto collect() const {
    if (state_) {
      const size_t failed = state_->first_failure();
      if (failed < size()) detail::rethrow_with_index(state_->error(failed), failed);
    }
    if constexpr (std::is_void_v<R>) {
      return;
    } else {
      std::vector<R> out;
      out.reserve(size());
      for (size_t i = 0; i < size(); ++i) out.push_back(detail::decode_result<R>(*state_, i));
      return out;
    }
  }
  // A default-constructed map has no items: it is done from the start.
  static std::shared_ptr<detail::ResultState> empty_state() {
    return std::make_shared<detail::ResultState>("", 0, std::weak_ptr<detail::ClientCore>());
  }

  std::shared_ptr<detail::ResultState> state_;
};

}  // namespace herd
