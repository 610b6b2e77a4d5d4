#include "client_core.hpp"
#include "herd/async_result.hpp"

namespace herd::detail {

ResultState::ResultState(std::string task_id, uint64_t seq, std::weak_ptr<ClientCore> core)
    : task_id_(std::move(task_id)), seq_(seq), core_(std::move(core)) {
  metadata_.task_id = task_id_;
  metadata_.submitted = std::chrono::system_clock::now();
}

void ResultState::complete(Bytes value, TaskMetadata metadata) {
  finish(std::move(value), nullptr, std::move(metadata));
}

void ResultState::fail(std::exception_ptr error, TaskMetadata metadata) {
  finish(Bytes(), std::move(error), std::move(metadata));
}

void ResultState::finish(Bytes value, std::exception_ptr error, TaskMetadata metadata) {
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    value_ = std::move(value);
    error_ = std::move(error);
    metadata.submitted = metadata_.submitted;
    metadata_ = std::move(metadata);
    done_ = true;
  }
  done_cv_.notify_all();
}

void ResultState::wait() const {
  std::unique_lock lock(mutex_);
  done_cv_.wait(lock, [this] { return done_; });
}

bool ResultState::wait_until(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  return done_cv_.wait_until(lock, deadline, [this] { return done_; });
}

bool ResultState::ready() const {
  std::lock_guard lock(mutex_);
  return done_;
}

bool ResultState::successful() const {
  std::lock_guard lock(mutex_);
  if (!done_) throw NotReady("task " + task_id_ + " has not finished");
  return !error_;
}

const Bytes& ResultState::value() const {
  std::lock_guard lock(mutex_);
  if (!done_) throw NotReady("task " + task_id_ + " has not finished");
  if (error_) std::rethrow_exception(error_);
  return value_;
}

std::exception_ptr ResultState::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

TaskMetadata ResultState::metadata() const {
  std::lock_guard lock(mutex_);
  if (!done_) throw NotReady("task " + task_id_ + " has not finished");
  return metadata_;
}

void ResultState::abort() {
  if (ready()) return;
  if (auto core = core_.lock()) core->abort(seq_);
}

}  // namespace herd::detail
