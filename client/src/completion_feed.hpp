// CompletionFeed: the indices of a set of results, queued as their items
// finish. It is what as_completed(), wait_any() and wait_interactive() wait
// on: the I/O thread pushes into it as items finish, so nobody polls.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "result_state.hpp"

namespace herd::detail {

// Thread-safe.
class CompletionFeed : public CompletionWatcher,
                       public std::enable_shared_from_this<CompletionFeed> {
 public:
  using Deadline = std::optional<std::chrono::steady_clock::time_point>;

  // Over every item of one state; indices are its item numbers.
  static std::shared_ptr<CompletionFeed> of_state(std::shared_ptr<ResultState> state);
  // Over `refs`; indices are positions in `refs`.
  static std::shared_ptr<CompletionFeed> of_refs(const std::vector<ResultRef>& refs);

  void finished(const ResultState& state, size_t item, bool ok) override;

  size_t total() const { return total_; }
  // The next index to finish, or nothing when all were taken or at the
  // deadline (none: wait as long as it takes).
  std::optional<size_t> next(Deadline deadline);

  struct Progress {
    size_t done = 0;
    size_t failed = 0;
  };
  // Blocks until more than `seen` indices finished, or the deadline.
  Progress wait_progress(size_t seen, Deadline deadline);

 private:
  explicit CompletionFeed(size_t total) : total_(total) {}
  void watch_all();

  const size_t total_;
  std::vector<std::shared_ptr<ResultState>> states_;  // kept alive while watched
  // Per state: item -> indices in the output (several when a vector holds
  // one result twice, in order). Empty for of_state(), where an index is
  // the item.
  std::unordered_map<const ResultState*, std::multimap<size_t, size_t>> indices_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<size_t> finished_;  // not yet taken by next()
  size_t taken_ = 0;
  Progress progress_;
};

}  // namespace herd::detail
