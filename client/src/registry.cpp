#include <mutex>
#include <unordered_map>

#include "task_registry.hpp"

namespace herd {

namespace {
thread_local TaskContext current_task;
}  // namespace

const TaskContext& this_task() { return current_task; }

bool TaskContext::cancelled() const {
  return cancel_flag_ && cancel_flag_->load(std::memory_order_relaxed);
}

namespace detail {

TaskContextScope::TaskContextScope(std::string task_id, uint32_t engine_id, uint32_t attempt,
                                   const std::atomic<bool>* cancel_flag) {
  current_task.task_id = std::move(task_id);
  current_task.engine_id = engine_id;
  current_task.attempt = attempt;
  current_task.cancel_flag_ = cancel_flag;
}
TaskContextScope::~TaskContextScope() { current_task = TaskContext{}; }

void throw_bad_arguments(const std::string& what) { throw BadArguments(what); }

void register_task(std::string name, std::string signature, AnyFunction function, Invoker invoke) {
  TaskRegistry::instance().add({std::move(name), std::move(signature), function, invoke});
}

namespace {
// Lives in libherd: every task library and client in a process shares it.
struct RegistryTables {
  std::mutex mutex;
  std::vector<TaskEntry> entries;
  std::unordered_map<std::string, size_t> by_name;
  std::unordered_map<AnyFunction, size_t> by_function;
};

RegistryTables& tables() {
  static RegistryTables* t = new RegistryTables;  // never destroyed: tasks may outlive statics
  return *t;
}
}  // namespace

TaskRegistry& TaskRegistry::instance() {
  static TaskRegistry registry;
  return registry;
}

void TaskRegistry::add(TaskEntry entry) {
  auto& t = tables();
  std::lock_guard lock(t.mutex);
  if (t.by_name.count(entry.name)) return;
  t.by_name.emplace(entry.name, t.entries.size());
  t.by_function.emplace(entry.function, t.entries.size());
  t.entries.push_back(std::move(entry));
}

bool TaskRegistry::find(std::string_view name, TaskEntry& out) const {
  auto& t = tables();
  std::lock_guard lock(t.mutex);
  auto it = t.by_name.find(std::string(name));
  if (it == t.by_name.end()) return false;
  out = t.entries[it->second];
  return true;
}

bool TaskRegistry::find(AnyFunction function, TaskEntry& out) const {
  auto& t = tables();
  std::lock_guard lock(t.mutex);
  auto it = t.by_function.find(function);
  if (it == t.by_function.end()) return false;
  out = t.entries[it->second];
  return true;
}

std::vector<TaskEntry> TaskRegistry::entries() const {
  auto& t = tables();
  std::lock_guard lock(t.mutex);
  return t.entries;
}

std::string registered_name(AnyFunction fn) {
  TaskEntry entry;
  if (!TaskRegistry::instance().find(fn, entry))
    throw UnknownTask("function is not registered as a task: add HERD_TASK(fn) beside its definition");
  return entry.name;
}

}  // namespace detail
}  // namespace herd
