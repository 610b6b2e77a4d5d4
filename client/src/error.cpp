#include "herd/async_result.hpp"
#include "herd/error.hpp"

namespace herd {

namespace {
std::string describe(const std::string& type, const std::string& message, const RemoteOrigin& o) {
  return type + ": " + message + " (task " + o.task_id + " on engine " +
         std::to_string(o.engine_id) + " at " + o.host + ")";
}
}  // namespace

RemoteError::RemoteError(std::string remote_type, std::string message, RemoteOrigin origin)
    : Error(describe(remote_type, message, origin)),
      remote_type_(std::move(remote_type)),
      message_(std::move(message)),
      origin_(std::move(origin)) {}

SignatureMismatch::SignatureMismatch(const std::string& task, std::string expected,
                                     std::string actual)
    : Error("task '" + task + "' has signature " + expected + " on the engines, but was called as " +
            actual),
      expected_(std::move(expected)),
      actual_(std::move(actual)) {}

namespace detail {

void throw_timeout(const std::string& what) { throw TimeoutError(what); }

void rethrow_with_index(std::exception_ptr error, size_t index) {
  try {
    std::rethrow_exception(error);
  } catch (const RemoteError& e) {
    RemoteError indexed = e;
    indexed.set_index(static_cast<long>(index));
    throw indexed;
  }
}

}  // namespace detail
}  // namespace herd
