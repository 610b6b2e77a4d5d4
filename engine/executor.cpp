#include "engine/executor.hpp"

#include <cxxabi.h>
#include <errno.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <typeinfo>
#include <utility>

#include "client/src/task_registry.hpp"
#include "engine/item_clock.hpp"
#include "engine/output_capture.hpp"
#include "herd/error.hpp"

namespace herd::engine {

namespace {

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && out ? out.get() : name;
}

void set_error(wire::Header& h, wire::Status status, std::string type, std::string message) {
  h.set_status(status);
  h.mutable_error()->set_type(std::move(type));
  h.mutable_error()->set_message(std::move(message));
}

// HERD_TASK_ID, rewritten in place for every task. setenv() per task would
// leak (glibc keeps every value it was ever given) and search a growing tree;
// this buffer is in the environment once and only its value changes. Only
// the executor thread writes it, and tasks (and the commands they start)
// read it on that thread.
void set_task_id_variable(const std::string& id) {
  static char variable[96] = "HERD_TASK_ID=";
  static const size_t prefix = std::strlen(variable);
  static const bool installed = ::putenv(variable) == 0;
  if (!installed) return;
  const size_t n = std::min(id.size(), sizeof variable - prefix - 1);
  std::memcpy(variable + prefix, id.data(), n);
  variable[prefix + n] = '\0';
}

// HERD_ENGINE_ID. The id is known only after the controller's WELCOME, and
// changes only when the engine registers again under a new id. The main
// thread learns it, but setting the environment there raced with a running
// task reading it (setenv may move the environment under getenv). So only
// the task thread sets it, just before a task begins: no task of this
// engine runs then, and a task sees the id it runs under. setenv is fine
// here: it runs once per id, not once per task.
void set_engine_id_variable(uint32_t id) {
  static uint32_t current = 0;  // task thread only
  if (id == 0 || id == current) return;
  current = id;
  ::setenv("HERD_ENGINE_ID", std::to_string(id).c_str(), 1);
}

// How often an idle task thread looks whether its Executor is gone; only
// the destructor's error path waits this long.
constexpr auto kClosingPoll = std::chrono::milliseconds(200);

// Sent by the main thread behind the tasks a retiring engine holds, and
// echoed by the task thread once it reaches it.
constexpr std::string_view kDrained = "drained";

}  // namespace

class Executor::Core {
 public:
  using Key = std::pair<uint64_t, uint64_t>;
  Core(std::string host, OutputCapture* capture) : host_(std::move(host)), capture_(capture) {}

  void loop(zmq::socket_t& pair);
  enum class Start { kRun, kCancelled, kRecalled };
  // Whether the task runs: not if it was cancelled (it is answered as
  // aborted) or recalled (the controller has it back) before it began.
  Start begin(const wire::Header& in);
  void cancel(uint64_t client, uint64_t seq);
  size_t recall(const std::deque<Key>& held);
  wire::Frames execute(const wire::Header& in, wire::Frames& task);

  std::atomic<uint32_t> engine_id_{0};
  std::atomic<bool> busy_{false};
  // The Executor is stopping or gone: begin nothing more, send nothing more.
  std::atomic<bool> closing_{false};
  // The engine retires: tasks not begun go back to the controller.
  std::atomic<bool> retiring_{false};

 private:
  // Receives one message into `task`; false if there was none (a timeout or
  // a signal). Throws zmq::error_t, ETERM when the context ends.
  static bool receive(zmq::socket_t& pair, wire::Frames& task);
  // The registry's entry for `name`; an entry without a function if unknown.
  const detail::TaskEntry& lookup(const std::string& name);
  // Calls the task once; the failure, if it threw.
  static std::optional<wire::ItemFailure> call(const detail::TaskEntry& entry,
                                               const std::vector<Bytes>& args, Bytes& result);
  Bytes run_chunk(const detail::TaskEntry& entry, const std::vector<Bytes>& columns, uint32_t items,
                  uint64_t max_output, wire::Header& out, wire::Output& output);
  // Adds what item `index` wrote, if anything, to `output`.
  void collect_output(uint32_t index, uint64_t limit, wire::Output& output);

  const std::string host_;
  OutputCapture* const capture_;
  std::atomic<bool> cancel_flag_{false};  // the running task's
  std::mutex cancel_mutex_;
  Key current_{0, 0};             // the running task; guarded by cancel_mutex_
  std::set<Key> cancelled_;       // aborted before they began; guarded by cancel_mutex_
  std::set<Key> recalled_;        // given back before they began; guarded by cancel_mutex_
  detail::TaskEntry last_entry_;  // task thread only
};

Executor::Executor(zmq::context_t& context, std::string endpoint, std::string host,
                   OutputCapture* capture)
    : core_(std::make_shared<Core>(std::move(host), capture)) {
  // Connected before the constructor returns: a PAIR with no peer yet turns
  // away the engine's non-blocking send (EAGAIN), and tasks handed over
  // before the thread got going were lost, the controller waiting on them
  // forever. The thread takes the socket over, and a share of the core, so
  // that a thread detached by ~Executor never uses freed memory.
  zmq::socket_t pair(context, zmq::socket_type::pair);
  pair.set(zmq::sockopt::linger, 0);
  pair.set(zmq::sockopt::rcvtimeo, static_cast<int>(kClosingPoll.count()));
  pair.connect(endpoint);
  thread_ = std::thread([core = core_, pair = std::move(pair)]() mutable { core->loop(pair); });
}

Executor::~Executor() { finish(); }

void Executor::set_engine_id(uint32_t id) { core_->engine_id_ = id; }

bool Executor::busy() const { return core_->busy_; }

bool Executor::stop(zmq::socket_t& control) {
  zmq::message_t empty;
  (void)control.send(empty, zmq::send_flags::dontwait);  // an empty frame means "stop"
  return finish();
}

bool Executor::finish() {
  if (!thread_.joinable()) return true;
  // With busy_, the thread's half of a handshake: it marks itself busy, then
  // looks at closing_; we set closing_, then look at busy_. One of us sees
  // the other, so a task never begins behind a join.
  core_->closing_ = true;
  if (core_->busy_) {
    thread_.detach();
    return false;
  }
  thread_.join();
  return true;
}

wire::Frames Executor::run(wire::Frames& task) {
  wire::Header in;
  if (task.empty() || !wire::unpack(task[0], in)) {
    spdlog::warn("task message with a malformed header dropped");
    return {};
  }
  return core_->execute(in, task);
}

void Executor::cancel(uint64_t client, uint64_t seq) { core_->cancel(client, seq); }

size_t Executor::recall(const std::deque<std::pair<uint64_t, uint64_t>>& held) {
  return core_->recall(held);
}

void Executor::retire(zmq::socket_t& control) {
  core_->retiring_ = true;
  wire::Frames marker;
  marker.emplace_back(kDrained.data(), kDrained.size());
  wire::send(control, marker);
}

bool Executor::Core::receive(zmq::socket_t& pair, wire::Frames& task) {
  try {
    return wire::receive(pair, task, zmq::recv_flags::none);
  } catch (const zmq::error_t& e) {
    // A signal (SIGTERM, SIGHUP, a task's timer) may land on this thread
    // while it waits: the exception would end the thread and the process.
    if (e.num() == EINTR) return false;
    throw;
  }
}

void Executor::Core::loop(zmq::socket_t& pair) {
  // What task libraries printed as they loaded is no task's output.
  wire::Output before;
  collect_output(0, 0, before);
  wire::Frames task;
  for (;;) {
    try {
      if (!receive(pair, task)) {
        if (closing_) return;
        continue;
      }
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;  // the engine is going
      throw;
    }
    if (task.size() == 1 && task[0].size() == 0) return;             // "stop"
    if (task.size() == 1 && task[0].to_string_view() == kDrained) {  // every task before it is done
      wire::Frames drained;
      drained.emplace_back(kDrained.data(), kDrained.size());
      wire::send(pair, drained);
      continue;
    }
    wire::Header in;
    if (!wire::unpack(task[0], in)) {
      spdlog::warn("task message with a malformed header dropped");
      continue;
    }
    if (retiring_) {
      wire::Frames note = returned_note(in.client(), in.seq());
      wire::send(pair, note);
      continue;
    }
    busy_ = true;
    if (closing_) return;  // see Executor::finish
    const Start start = begin(in);
    if (start == Start::kRecalled) {
      busy_ = false;
      continue;
    }
    wire::Frames result;
    if (start == Start::kRun) {
      // The controller learns that the task started, so that if this engine
      // dies, tasks that never began run elsewhere without using an attempt.
      wire::Frames note = started_note(in.client(), in.seq());
      wire::send(pair, note);
      result = execute(in, task);
    } else {
      wire::Header out = wire::reply_to(in, wire::RESULT);
      set_error(out, wire::ABORTED, "herd::TaskAborted", "task aborted before it began");
      result.push_back(wire::pack(out));
    }
    busy_ = false;
    // Nobody reads results any more: the main thread has left.
    if (closing_) return;
    if (!result.empty()) wire::send(pair, result);
  }
}

const detail::TaskEntry& Executor::Core::lookup(const std::string& name) {
  // Tasks are never unregistered, so the last entry stays valid; most runs
  // are of the same task as the one before.
  if (last_entry_.name != name || !last_entry_.function) {
    detail::TaskEntry entry;
    if (!detail::TaskRegistry::instance().find(name, entry)) entry = detail::TaskEntry{};
    last_entry_ = std::move(entry);
  }
  return last_entry_;
}

wire::Frames started_note(uint64_t client, uint64_t seq) {
  wire::Frames note;
  note.emplace_back();  // empty: not a result
  const uint64_t key[2] = {client, seq};
  note.emplace_back(key, sizeof key);
  return note;
}

namespace {

// A note's task key: an empty frame, then client and seq, in `size` frames.
bool parse_note_key(const wire::Frames& frames, size_t size, uint64_t& client, uint64_t& seq) {
  if (frames.size() != size || frames[0].size() != 0 || frames[1].size() != 2 * sizeof(uint64_t))
    return false;
  uint64_t key[2];
  std::memcpy(key, frames[1].data(), sizeof key);
  client = key[0];
  seq = key[1];
  return true;
}

}  // namespace

bool parse_started_note(const wire::Frames& frames, uint64_t& client, uint64_t& seq) {
  return parse_note_key(frames, 2, client, seq);
}

wire::Frames returned_note(uint64_t client, uint64_t seq) {
  wire::Frames note = started_note(client, seq);
  note.emplace_back();
  return note;
}

bool parse_returned_note(const wire::Frames& frames, uint64_t& client, uint64_t& seq) {
  return parse_note_key(frames, 3, client, seq) && frames[2].size() == 0;
}

bool is_drained_note(const wire::Frames& frames) {
  return frames.size() == 1 && frames[0].to_string_view() == kDrained;
}

Executor::Core::Start Executor::Core::begin(const wire::Header& in) {
  std::lock_guard lock(cancel_mutex_);
  const Key key{in.client(), in.seq()};
  if (recalled_.erase(key) > 0) {
    cancelled_.erase(key);
    return Start::kRecalled;
  }
  current_ = key;
  cancel_flag_ = false;
  return cancelled_.erase(current_) == 0 ? Start::kRun : Start::kCancelled;
}

// Tasks begin in the order given, under this lock: those of `held` after
// the one begun last have not begun, and will see recalled_ when they do.
size_t Executor::Core::recall(const std::deque<Key>& held) {
  std::lock_guard lock(cancel_mutex_);
  const auto last_begun = std::find(held.begin(), held.end(), current_);
  const auto first = last_begun == held.end() ? held.begin() : std::next(last_begun);
  recalled_.insert(first, held.end());
  return static_cast<size_t>(held.end() - first);
}

void Executor::Core::cancel(uint64_t client, uint64_t seq) {
  std::lock_guard lock(cancel_mutex_);
  if (current_ == Key{client, seq})
    cancel_flag_ = true;  // running, or just finished: harmless
  else
    cancelled_.insert({client, seq});
}

wire::Frames Executor::Core::execute(const wire::Header& in, wire::Frames& task) {
  wire::Header out = wire::reply_to(in, wire::RESULT);
  out.set_engine_id(engine_id_);
  out.set_host(host_);
  out.set_items(in.items());
  out.set_started(wire::unix_now());
  Bytes result;
  wire::Output output;
  const detail::TaskEntry& entry = lookup(in.task());
  if (!entry.function) {
    set_error(out, wire::UNKNOWN_TASK, "herd::UnknownTask",
              "engine " + std::to_string(engine_id_) + " does not offer task '" + in.task() + "'");
  } else if (entry.signature != in.signature()) {
    out.set_task(in.task());
    out.set_status(wire::SIGNATURE_MISMATCH);
    out.mutable_error()->set_expected(entry.signature);
    out.mutable_error()->set_actual(in.signature());
  } else {
    const std::string id = wire::task_id(in.client(), in.seq());
    detail::TaskContextScope context(id, engine_id_, in.attempt(), &cancel_flag_);
    set_task_id_variable(id);
    set_engine_id_variable(engine_id_);
    spdlog::debug("running task {} '{}' (attempt {}, {} items)", id, in.task(), in.attempt(),
                  in.items());
    std::vector<Bytes> args;
    args.reserve(task.size() - 1);
    for (size_t i = 1; i < task.size(); ++i) args.push_back(wire::to_bytes(std::move(task[i])));
    if (in.items() == 0) {
      out.set_status(wire::OK);
      if (auto failure = call(entry, args, result)) {
        out.set_status(failure->status());
        *out.mutable_error() = failure->error();
      }
      collect_output(0, in.max_output(), output);
    } else {
      result = run_chunk(entry, args, in.items(), in.max_output(), out, output);
    }
  }
  out.set_finished(wire::unix_now());
  out.set_output(output.items_size() > 0);
  wire::Frames reply;
  reply.push_back(wire::pack(out));
  if (out.status() == wire::OK && !result.empty())
    reply.push_back(wire::to_message(std::move(result)));
  if (out.output()) reply.push_back(wire::pack(output));
  return reply;
}

void Executor::Core::collect_output(uint32_t index, uint64_t limit, wire::Output& output) {
  if (!capture_ || !capture_->written()) return;
  std::string out, err;
  capture_->take(limit, out, err);
  if (out.empty() && err.empty()) return;
  auto* item = output.add_items();
  item->set_index(index);
  item->set_stdout_text(std::move(out));
  item->set_stderr_text(std::move(err));
}

std::optional<wire::ItemFailure> Executor::Core::call(const detail::TaskEntry& entry,
                                                      const std::vector<Bytes>& args,
                                                      Bytes& result) {
  wire::ItemFailure failure;
  auto fail = [&](wire::Status status, std::string type, std::string message) {
    failure.set_status(status);
    failure.mutable_error()->set_type(std::move(type));
    failure.mutable_error()->set_message(std::move(message));
    return failure;
  };
  try {
    result = entry.invoke(entry.function, args);
    return std::nullopt;
  } catch (const detail::BadArguments& e) {
    return fail(wire::BAD_REQUEST, "herd::DecodeError",
                "arguments of task '" + entry.name + "' do not decode: " + e.what());
  } catch (const std::exception& e) {
    return fail(wire::REMOTE_ERROR, demangle(typeid(e).name()), e.what());
  } catch (...) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    return fail(wire::REMOTE_ERROR, type ? demangle(type->name()) : "unknown",
                "the task threw an exception that is not a std::exception");
  }
}

// Runs every item of a chunk; one packed result frame, failures in the header.
// Each item's completion time goes in `out` (item_us), and what it wrote in
// `output`: per item, a time stamp and a look at the capture's sentinels.
Bytes Executor::Core::run_chunk(const detail::TaskEntry& entry, const std::vector<Bytes>& columns,
                                uint32_t items, uint64_t max_output, wire::Header& out,
                                wire::Output& output) {
  // Each item reads a length from every column, so the frames bound a chunk;
  // with no columns nothing would: 2^32 items would spin and pile up failures.
  if (columns.empty()) {
    set_error(out, wire::BAD_REQUEST, "herd::DecodeError",
              "malformed chunk of task '" + entry.name + "': " + std::to_string(items) +
                  " items and no argument columns");
    return Bytes();
  }
  std::vector<Reader> readers;
  readers.reserve(columns.size());
  for (const auto& column : columns) readers.emplace_back(column);
  std::vector<Bytes> args(columns.size());
  Writer packed;
  Bytes result;
  out.set_status(wire::OK);
  ItemClock clock;
  for (uint32_t i = 0; i < items; ++i) {
    std::optional<wire::ItemFailure> failure;
    try {
      for (size_t c = 0; c < readers.size(); ++c)
        args[c] = readers[c].get_view(readers[c].get_size());
    } catch (const DecodeError& e) {
      // The rest of the chunk cannot be found either.
      set_error(out, wire::BAD_REQUEST, "herd::DecodeError",
                std::string("malformed chunk of task '") + entry.name + "': " + e.what());
      return Bytes();
    }
    failure = call(entry, args, result);
    clock.mark();
    collect_output(i, max_output, output);
    const size_t mark = packed.begin_item();
    if (failure) {
      failure->set_index(i);
      *out.add_failures() = std::move(*failure);
    } else {
      packed.put(result.data(), result.size());
    }
    packed.end_item(mark);
  }
  const auto deltas = clock.deltas_us();
  out.mutable_item_us()->Add(deltas.begin(), deltas.end());
  return std::move(packed).finish();
}

}  // namespace herd::engine
