// The task registry and the current task's context, as engines use them.
// Inside libherd only: task libraries reach the registry through
// HERD_TASK (herd/task.hpp), which calls detail::register_task.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "herd/error.hpp"
#include "herd/task.hpp"

namespace herd::detail {

struct TaskEntry {
  std::string name;
  std::string signature;
  AnyFunction function = nullptr;
  Invoker invoke = nullptr;
};

// A task's arguments do not decode as its parameters: the request was bad.
// Apart from a DecodeError the task itself throws, which is its own failure.
class BadArguments : public DecodeError {
 public:
  using DecodeError::DecodeError;
};

// Thread-safe. Registering a name twice keeps the first entry.
class TaskRegistry {
 public:
  static TaskRegistry& instance();
  void add(TaskEntry entry);
  // Copies, so callers never hold a pointer into a table another thread may grow.
  bool find(std::string_view name, TaskEntry& out) const;
  bool find(AnyFunction function, TaskEntry& out) const;
  std::vector<TaskEntry> entries() const;
};

// Sets this_task() on the current thread while alive (engines use it).
// `cancel_flag`, if given, is what the context's cancelled() reads.
class TaskContextScope {
 public:
  TaskContextScope(std::string task_id, uint32_t engine_id, uint32_t attempt,
                   const std::atomic<bool>* cancel_flag = nullptr);
  ~TaskContextScope();
  TaskContextScope(const TaskContextScope&) = delete;
  TaskContextScope& operator=(const TaskContextScope&) = delete;
};

}  // namespace herd::detail
