// Errors thrown by the herd client API. Every failure a user can see derives
// from herd::Error, so `catch (const herd::Error&)` catches them all.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace herd {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where a task ran, attached to errors that come back from the cluster.
struct RemoteOrigin {
  std::string task_id;
  uint32_t engine_id = 0;
  std::string host;
};

// A task threw. Carries the remote exception's type name and message.
class RemoteError : public Error {
 public:
  RemoteError(std::string remote_type, std::string message, RemoteOrigin origin);
  const std::string& remote_type() const { return remote_type_; }
  const std::string& message() const { return message_; }
  uint32_t engine_id() const { return origin_.engine_id; }
  const std::string& host() const { return origin_.host; }
  const std::string& task_id() const { return origin_.task_id; }
  // For results of map(): the input index that failed; -1 otherwise.
  long index() const { return index_; }
  void set_index(long index) { index_ = index; }

 private:
  std::string remote_type_;
  std::string message_;
  RemoteOrigin origin_;
  long index_ = -1;
};

// A wait ran out of time, or a task ran past its timeout.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

// A task's arguments or result are larger than the cluster takes in one
// message (herd controller --max-message-mb). Thrown by get(); the client
// fails the task at once when it can see the size of its arguments.
class TaskTooLarge : public Error {
 public:
  TaskTooLarge(const std::string& what, uint64_t size, uint64_t limit)
      : Error(what), size_(size), limit_(limit) {}
  uint64_t size() const { return size_; }
  uint64_t limit() const { return limit_; }

 private:
  uint64_t size_, limit_;
};

// The engine running a task died or stopped answering, and no retries were left.
class EngineLost : public Error {
 public:
  EngineLost(const std::string& what, RemoteOrigin origin)
      : Error(what), origin_(std::move(origin)) {}
  uint32_t engine_id() const { return origin_.engine_id; }
  const std::string& host() const { return origin_.host; }

 private:
  RemoteOrigin origin_;
};

class TaskAborted : public Error {
 public:
  using Error::Error;
};

// A prerequisite of the task (TaskOptions::after or ::follow, or an
// AsyncResult passed as an argument) failed, or can never finish: it was
// aborted, is unknown, or its engine is gone. what() says which task and why.
class DependencyError : public Error {
 public:
  using Error::Error;
  DependencyError(const std::string& what, std::string prerequisite)
      : Error(what), prerequisite_(std::move(prerequisite)) {}
  // The task id of the prerequisite that stopped this task.
  const std::string& prerequisite() const { return prerequisite_; }

 private:
  std::string prerequisite_;
};

// No connected engine offers the task, or the function was never registered.
class UnknownTask : public Error {
 public:
  using Error::Error;
};

// The controller keeps no record of that task id (Client::get_result and
// its kin): it was never submitted, or its result was purged, or let go as
// newer ones came (herd controller --max-results, --max-result-mb).
class UnknownResult : public Error {
 public:
  using Error::Error;
};

// Client and engine disagree on a task's signature.
class SignatureMismatch : public Error {
 public:
  SignatureMismatch(const std::string& task, std::string expected, std::string actual);
  const std::string& expected() const { return expected_; }
  const std::string& actual() const { return actual_; }

 private:
  std::string expected_;
  std::string actual_;
};

// The controller is unreachable, refused us, or went away.
class ConnectionError : public Error {
 public:
  using Error::Error;
};

// successful() or metadata() on a result that has not finished.
class NotReady : public Error {
 public:
  using Error::Error;
};

// An engine id that names no live engine, thrown at the call that named it
// (Client::direct_view, Client::load_balanced_view, or a DirectView call
// while no engine is connected: engine_id() 0).
class NoSuchEngine : public Error {
 public:
  NoSuchEngine(const std::string& what, uint32_t engine_id) : Error(what), engine_id_(engine_id) {}
  uint32_t engine_id() const { return engine_id_; }

 private:
  uint32_t engine_id_;
};

// Bytes that do not decode as the expected type (a codec's complaint).
class DecodeError : public Error {
 public:
  using Error::Error;
};

}  // namespace herd
