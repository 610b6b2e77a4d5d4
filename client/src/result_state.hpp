// ResultState: the shared state behind the handles apply() and map() return.
// Only libherd sees its layout: the public headers hold it through
// herd::detail::Results (herd/async_result.hpp), whose calls are out of line.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "herd/async_result.hpp"

namespace herd::detail {

class ClientCore;
class CallbackRunner;

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

  static constexpr size_t kAllItems = detail::kAllItems;

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
  // What a handle asks of the state is in Results (herd/async_result.hpp).
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
  friend class Results;
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

}  // namespace herd::detail
