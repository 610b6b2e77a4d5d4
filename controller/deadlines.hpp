// What the clock decides about tasks: a running task past its timeout, or
// past the grace period after it was aborted, takes its engine down with it
// (a thread cannot be stopped, so the engine is recycled); a task waiting to
// be retried while no engine is left gives up. Pure policy over the tables,
// with the time passed in, so tests can move the clock; the event loop acts
// on the answers.
#pragma once

#include <vector>

#include "controller/engine_registry.hpp"
#include "controller/task_table.hpp"

namespace herd::controller {

struct Overrun {
  enum class Kind {
    kIgnoredCancel,  // aborted, and still running past the cancel grace period
    kTimedOut,       // running past its timeout
  };
  uint32_t engine = 0;
  TaskKey task;
  Kind kind = Kind::kTimedOut;
};

// The live engines whose running task (the first they were sent that is
// still open: engines run tasks in order) has overrun at `now`, one each.
std::vector<Overrun> overruns(const EngineRegistry& registry, TaskTable& tasks,
                              Clock::time_point now);

// Tasks queued to be retried after their engine was lost whose wait for an
// engine (TaskRecord::deadline) ran out at `now`.
std::vector<TaskKey> orphaned_retries(TaskTable& tasks, Clock::time_point now);

}  // namespace herd::controller
