#include "completion_feed.hpp"

namespace herd::detail {

std::shared_ptr<CompletionFeed> CompletionFeed::of_state(std::shared_ptr<ResultState> state) {
  std::shared_ptr<CompletionFeed> feed(new CompletionFeed(state->size()));
  feed->states_.push_back(std::move(state));
  feed->watch_all();
  return feed;
}

std::shared_ptr<CompletionFeed> CompletionFeed::of_refs(const std::vector<ResultRef>& refs) {
  std::shared_ptr<CompletionFeed> feed(new CompletionFeed(refs.size()));
  for (size_t i = 0; i < refs.size(); ++i) {
    auto& items = feed->indices_[refs[i].state.get()];
    if (items.empty()) feed->states_.push_back(refs[i].state);
    items.emplace(refs[i].item, i);
  }
  feed->watch_all();
  return feed;
}

// Watching starts once the maps are complete: a state replays what finished
// before at once, and the I/O thread may tell of more right after.
void CompletionFeed::watch_all() {
  for (const auto& state : states_) state->watch(shared_from_this());
}

void CompletionFeed::finished(const ResultState& state, size_t item, bool ok) {
  {
    std::lock_guard lock(mutex_);
    const auto push = [&](size_t index) {
      finished_.push_back(index);
      ++progress_.done;
      progress_.failed += !ok;
    };
    if (indices_.empty()) {
      push(item);
    } else {
      const auto [begin, end] = indices_.at(&state).equal_range(item);
      for (auto it = begin; it != end; ++it) push(it->second);
    }
  }
  changed_.notify_all();
}

std::optional<size_t> CompletionFeed::next(Deadline deadline) {
  std::unique_lock lock(mutex_);
  const auto ready = [&] { return !finished_.empty() || taken_ == total_; };
  if (deadline) {
    changed_.wait_until(lock, *deadline, ready);
  } else {
    changed_.wait(lock, ready);
  }
  if (finished_.empty()) return std::nullopt;
  const size_t index = finished_.front();
  finished_.pop_front();
  ++taken_;
  return index;
}

CompletionFeed::Progress CompletionFeed::wait_progress(size_t seen, Deadline deadline) {
  std::unique_lock lock(mutex_);
  const auto ready = [&] { return progress_.done > seen || progress_.done == total_; };
  if (deadline) {
    changed_.wait_until(lock, *deadline, ready);
  } else {
    changed_.wait(lock, ready);
  }
  return progress_;
}

}  // namespace herd::detail
