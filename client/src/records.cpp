// Results by id: the client's side of the controller's task records.
#include <algorithm>

#include "client_core.hpp"
#include "herd/client.hpp"
#include "result_state.hpp"

namespace herd {

namespace {

constexpr auto kRecordsTimeout = std::chrono::seconds(30);

struct TaskRef {
  uint64_t client = 0, seq = 0;
};

TaskRef parse(const std::string& id) {
  TaskRef ref;
  if (!wire::parse_task_id(id, ref.client, ref.seq))
    throw UnknownResult("'" + id +
                        "' is not a task id: ids look like 0123456789abcdef-42 "
                        "(AsyncResult::id(), AsyncMapResult::id(), herd tasks)");
  return ref;
}

wire::Header naming(wire::Type type, const std::vector<std::string>& ids) {
  wire::Header header;
  header.set_type(type);
  for (const std::string& id : ids) {
    const TaskRef ref = parse(id);
    auto* task = header.add_tasks();
    task->set_client(ref.client);
    task->set_seq(ref.seq);
  }
  return header;
}

const std::vector<std::pair<TaskState, const char*>> kStateNames = {
    {TaskState::kUnknown, "unknown"}, {TaskState::kQueued, "queued"},
    {TaskState::kRunning, "running"}, {TaskState::kDone, "done"},
    {TaskState::kFailed, "failed"},   {TaskState::kAborted, "aborted"}};

TaskState state_from(const std::string& name) {
  for (const auto& [state, text] : kStateNames)
    if (name == text) return state;
  return TaskState::kUnknown;
}

TaskRecord record_from(const wire::TaskRecordInfo& info) {
  TaskRecord r;
  r.id = wire::task_id(info.client(), info.seq());
  r.task = info.task();
  r.signature = info.signature();
  r.state = state_from(info.state());
  r.engine_id = info.engine_id();
  r.attempt = info.attempt();
  r.runs = info.runs();
  r.submitted = info.submitted();
  r.started = info.started();
  r.finished = info.finished();
  r.result_bytes = info.result_bytes();
  r.items = info.items();
  r.map = info.map();
  r.error = info.error();
  return r;
}

}  // namespace

const char* to_string(TaskState state) {
  for (const auto& [s, text] : kStateNames)
    if (s == state) return text;
  return "unknown";
}

std::vector<TaskRecord> Client::task_records(const std::vector<std::string>& ids) const {
  const wire::Header reply = core_->ask(naming(wire::RECORDS, ids), kRecordsTimeout);
  std::vector<TaskRecord> records;
  records.reserve(static_cast<size_t>(reply.records_size()));
  for (const auto& info : reply.records()) records.push_back(record_from(info));
  return records;
}

std::vector<TaskState> Client::result_status(const std::vector<std::string>& ids) const {
  std::vector<TaskState> states;
  for (const TaskRecord& r : task_records(ids)) states.push_back(r.state);
  return states;
}

size_t Client::purge_results(const std::vector<std::string>& ids) const {
  return core_->ask(naming(wire::PURGE, ids), kRecordsTimeout).purged();
}

size_t Client::purge_results_done() const {
  wire::Header request;
  request.set_type(wire::PURGE);
  request.set_purge_done(true);
  return core_->ask(std::move(request), kRecordsTimeout).purged();
}

detail::Results Client::fetch(const std::string& id, const std::string& return_type,
                              bool map) const {
  const std::vector<TaskRecord> found = task_records({id});
  const TaskRecord& record = found.at(0);
  if (record.state == TaskState::kUnknown)
    throw UnknownResult("the controller keeps no record of task " + id +
                        ": it was never submitted, or its result was purged or let go "
                        "(herd controller --max-results)");
  if (record.map != map)
    throw UnknownResult(
        "task " + id +
        (map ? " is a single call: use get_result" : " is a map: use get_map_result"));
  if (record.return_type() != return_type)
    throw SignatureMismatch(record.task, record.signature, return_type + "(...)");
  const TaskRef ref = parse(id);
  return core_->fetch(ref.client, ref.seq, map ? record.items : 1, return_type, map);
}

}  // namespace herd
