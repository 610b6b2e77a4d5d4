#include "result_state.hpp"

#include <tuple>

#include "callback_runner.hpp"
#include "client_core.hpp"

namespace herd::detail {

ResultState::ResultState(std::string id, size_t items, std::weak_ptr<ClientCore> core,
                         std::shared_ptr<CallbackRunner> runner)
    : id_(std::move(id)),
      core_(std::move(core)),
      submitted_(std::chrono::system_clock::now()),
      pending_(items),
      states_(items, ItemState::kPending),
      values_(items),
      chunk_of_(items, 0),
      runner_(std::move(runner)) {
  order_.reserve(items);
}

void ResultState::finish_chunk(size_t first, std::vector<Bytes> values,
                               std::vector<ItemFailure> failures, TaskMetadata metadata,
                               ItemDetails details) {
  Callbacks due, continuations;
  {
    std::lock_guard lock(mutex_);
    const auto chunk = static_cast<uint32_t>(chunks_.size());
    metadata.submitted = submitted_;
    chunks_.push_back({std::move(metadata), first, std::move(details.done_us)});
    for (auto& [index, text] : details.output) {
      const size_t item = first + index;
      if (item < states_.size() && !item_done(item)) output_[item] = std::move(text);
    }
    for (const auto& f : failures) {
      const size_t item = first + f.index;
      if (item >= states_.size() || item_done(item)) continue;
      errors_[item] = f.error;
      finish_item(item, ItemState::kFailed, chunk, due);
    }
    for (size_t i = 0; i < values.size() && first + i < states_.size(); ++i) {
      const size_t item = first + i;
      if (item_done(item)) continue;
      values_[item] = std::move(values[i]);
      finish_item(item, ItemState::kOk, chunk, due);
    }
    if (pending_ == 0) continuations.swap(continuations_);
  }
  done_cv_.notify_all();
  run_callbacks(std::move(due));
  for (auto& fn : continuations) fn();
}

std::shared_ptr<ResultState> ResultState::derive(std::function<Bytes(std::vector<Bytes>)> combine) {
  std::shared_ptr<CallbackRunner> runner;
  {
    std::lock_guard lock(mutex_);
    runner = runner_;
  }
  auto derived = std::make_shared<ResultState>(id_, 1, core_, runner);
  derived->source_ = shared_from_this();
  // Holds the derived state weakly: it holds this one.
  auto finish = [this, weak = std::weak_ptr(derived), combine = std::move(combine)] {
    const auto out = weak.lock();
    if (!out) return;
    const Results self(shared_from_this());
    const size_t failed = self.first_failure();
    if (failed < size()) {
      out->fail(self.error(failed), {});
      return;
    }
    try {
      std::vector<Bytes> parts;
      parts.reserve(size());
      for (size_t i = 0; i < size(); ++i) parts.push_back(self.value(i));
      out->complete(combine(std::move(parts)), {});
    } catch (...) {
      out->fail(std::current_exception(), {});
    }
  };
  {
    std::lock_guard lock(mutex_);
    if (pending_ != 0) {
      continuations_.push_back(std::move(finish));
      return derived;
    }
  }
  finish();
  return derived;
}

void ResultState::finish_item(size_t item, ItemState state, uint32_t chunk, Callbacks& due) {
  states_[item] = state;
  chunk_of_[item] = chunk;
  --pending_;
  order_.push_back(item);
  std::erase_if(watchers_, [&](const std::weak_ptr<CompletionWatcher>& w) {
    const auto watcher = w.lock();
    if (watcher) watcher->finished(*this, item, state == ItemState::kOk);
    return !watcher;
  });
  const auto take = [&](size_t key) {
    const auto [begin, end] = callbacks_.equal_range(key);
    for (auto it = begin; it != end; ++it) due.push_back(std::move(it->second));
    callbacks_.erase(begin, end);
  };
  take(item);
  if (pending_ == 0) take(kAllItems);
}

void ResultState::run_callbacks(Callbacks due) {
  if (due.empty()) return;
  std::shared_ptr<CallbackRunner> runner;
  {
    std::lock_guard lock(mutex_);
    if (!runner_) runner_ = std::make_shared<CallbackRunner>();
    runner = runner_;
  }
  for (auto& fn : due) runner->post(std::move(fn));
}

void ResultState::add_done_callback(size_t item, std::function<void()> fn) {
  Callbacks due;
  {
    std::lock_guard lock(mutex_);
    const bool done = item == kAllItems ? pending_ == 0 : item_done(item);
    if (!done) {
      callbacks_.emplace(item, std::move(fn));
      return;
    }
    due.push_back(std::move(fn));
  }
  run_callbacks(std::move(due));
}

void ResultState::watch(const std::shared_ptr<CompletionWatcher>& watcher) {
  std::lock_guard lock(mutex_);
  for (size_t item : order_) watcher->finished(*this, item, states_[item] == ItemState::kOk);
  watchers_.push_back(watcher);
}

void ResultState::fail_range(size_t first, size_t count, std::exception_ptr error,
                             TaskMetadata metadata, ItemDetails details) {
  std::vector<ItemFailure> failures;
  failures.reserve(count);
  for (size_t i = 0; i < count; ++i) failures.push_back({i, error});
  finish_chunk(first, {}, std::move(failures), std::move(metadata), std::move(details));
}

void ResultState::fail_unfinished(std::exception_ptr error) {
  fail_range(0, states_.size(), std::move(error), {});
}

void ResultState::complete(Bytes value, TaskMetadata metadata) {
  std::vector<Bytes> values;
  values.push_back(std::move(value));
  finish_chunk(0, std::move(values), {}, std::move(metadata));
}

void ResultState::fail(std::exception_ptr error, TaskMetadata metadata) {
  fail_range(0, 1, std::move(error), std::move(metadata));
}

void ResultState::check_done(size_t item) const {
  if (!item_done(item)) throw NotReady("task " + id(item) + " has not finished");
}

std::string ResultState::id(size_t item) const {
  return states_.size() == 1 ? id_ : id_ + ":" + std::to_string(item);
}

void ResultState::abort() {
  if (Results(shared_from_this()).all_ready()) return;
  if (source_) return source_->abort();
  if (auto core = core_.lock()) core->abort(shared_from_this());
}

// Results: what the handles ask of a state, read under its lock.

Results Results::none() {
  return std::make_shared<ResultState>("", 0, std::weak_ptr<ClientCore>());
}

size_t Results::size() const { return state_->size(); }

void Results::wait(size_t item) const {
  const ResultState& s = *state_;
  std::unique_lock lock(s.mutex_);
  s.done_cv_.wait(lock, [&] { return s.item_done(item); });
}

bool Results::wait_until(size_t item, std::chrono::steady_clock::time_point deadline) const {
  const ResultState& s = *state_;
  std::unique_lock lock(s.mutex_);
  return s.done_cv_.wait_until(lock, deadline, [&] { return s.item_done(item); });
}

void Results::wait_all() const {
  const ResultState& s = *state_;
  std::unique_lock lock(s.mutex_);
  s.done_cv_.wait(lock, [&] { return s.pending_ == 0; });
}

bool Results::wait_all_until(std::chrono::steady_clock::time_point deadline) const {
  const ResultState& s = *state_;
  std::unique_lock lock(s.mutex_);
  return s.done_cv_.wait_until(lock, deadline, [&] { return s.pending_ == 0; });
}

bool Results::ready(size_t item) const {
  std::lock_guard lock(state_->mutex_);
  return state_->item_done(item);
}

bool Results::all_ready() const {
  std::lock_guard lock(state_->mutex_);
  return state_->pending_ == 0;
}

bool Results::successful(size_t item) const {
  const ResultState& s = *state_;
  std::lock_guard lock(s.mutex_);
  s.check_done(item);
  return s.states_[item] == ResultState::ItemState::kOk;
}

bool Results::all_successful() const {
  const ResultState& s = *state_;
  std::lock_guard lock(s.mutex_);
  if (s.pending_ != 0) throw NotReady("tasks of " + s.id_ + " have not finished");
  return s.errors_.empty();
}

Bytes Results::value(size_t item) const {
  const ResultState& s = *state_;
  std::lock_guard lock(s.mutex_);
  s.check_done(item);
  if (s.states_[item] == ResultState::ItemState::kFailed)
    std::rethrow_exception(s.errors_.at(item));
  return s.values_[item];
}

std::exception_ptr Results::error(size_t item) const {
  const ResultState& s = *state_;
  std::lock_guard lock(s.mutex_);
  auto it = s.errors_.find(item);
  return it == s.errors_.end() ? nullptr : it->second;
}

size_t Results::first_failure() const {
  const ResultState& s = *state_;
  std::lock_guard lock(s.mutex_);
  return s.errors_.empty() ? s.states_.size() : s.errors_.begin()->first;
}

TaskMetadata Results::metadata(size_t item) const {
  const ResultState& s = *state_;
  std::lock_guard lock(s.mutex_);
  s.check_done(item);
  TaskMetadata md;
  md.task_id = s.id(item);
  md.submitted = s.submitted_;
  if (s.chunks_.empty()) return md;
  const ResultState::Chunk& chunk = s.chunks_[s.chunk_of_[item]];
  md = chunk.metadata;
  md.task_id = s.id(item);
  const size_t index = item - chunk.first;
  if (index < chunk.done_us.size()) {
    const auto at = [&](size_t i) {
      return chunk.metadata.started + std::chrono::microseconds(chunk.done_us[i]);
    };
    md.started = index == 0 ? chunk.metadata.started : at(index - 1);
    md.completed = at(index);
  }
  if (auto it = s.output_.find(item); it != s.output_.end())
    std::tie(md.stdout_text, md.stderr_text) = it->second;
  return md;
}

std::string Results::id(size_t item) const { return state_->id(item); }
std::string Results::id() const { return state_->id(); }
void Results::abort() const { state_->abort(); }
void Results::add_done_callback(size_t item, std::function<void()> fn) const {
  state_->add_done_callback(item, std::move(fn));
}

}  // namespace herd::detail
