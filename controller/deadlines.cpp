#include "controller/deadlines.hpp"

namespace herd::controller {

std::vector<Overrun> overruns(const EngineRegistry& registry, TaskTable& tasks,
                              Clock::time_point now) {
  std::vector<Overrun> out;
  for (const EngineRecord* engine : registry.live_engines()) {
    for (const TaskKey& key : engine->assigned) {
      const TaskRecord* record = tasks.find(key);
      if (!record || record->deadline == Clock::time_point{} || now < record->deadline) continue;
      if (record->answered)
        out.push_back({engine->id, key, Overrun::Kind::kIgnoredCancel});
      else if (record->timeout_ms > 0 && record->started)
        out.push_back({engine->id, key, Overrun::Kind::kTimedOut});
      break;
    }
  }
  return out;
}

std::vector<TaskKey> orphaned_retries(TaskTable& tasks, Clock::time_point now) {
  std::vector<TaskKey> out;
  tasks.for_each([&](const TaskKey& key, const TaskRecord& record) {
    if (record.engine_id == 0 && !record.answered && record.attempt > 1 &&
        record.deadline != Clock::time_point{} && now >= record.deadline)
      out.push_back(key);
  });
  return out;
}

}  // namespace herd::controller
