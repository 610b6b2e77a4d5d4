#include "engine/executor.hpp"

#include <cxxabi.h>
#include <errno.h>
#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <spdlog/spdlog.h>
#include <typeinfo>

#include "herd/error.hpp"
#include "herd/task.hpp"

namespace herd::engine {

namespace {

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                                  &std::free);
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

}  // namespace

Executor::Executor(zmq::context_t& context, std::string endpoint, std::string host)
    : context_(context), endpoint_(std::move(endpoint)), host_(std::move(host)) {
  // Connected before the constructor returns: a PAIR with no peer yet turns
  // away the engine's non-blocking send (EAGAIN), and tasks handed over
  // before the thread got going were lost, the controller waiting on them
  // forever. The thread takes the socket over.
  zmq::socket_t pair(context_, zmq::socket_type::pair);
  pair.set(zmq::sockopt::linger, 0);
  pair.connect(endpoint_);
  thread_ = std::thread([this, pair = std::move(pair)]() mutable { loop(pair); });
}

Executor::~Executor() {
  if (thread_.joinable()) thread_.detach();
}

bool Executor::stop(zmq::socket_t& control) {
  zmq::message_t empty;
  (void)control.send(empty, zmq::send_flags::dontwait);  // an empty frame means "stop"
  if (!thread_.joinable()) return true;
  if (busy_) {
    thread_.detach();
    return false;
  }
  thread_.join();
  return true;
}

void Executor::loop(zmq::socket_t& pair) {
  wire::Frames task;
  for (;;) {
    task.clear();
    zmq::message_t frame;
    try {
      if (!pair.recv(frame, zmq::recv_flags::none)) continue;
    } catch (const zmq::error_t& e) {
      // A signal (SIGTERM, SIGHUP, a task's timer) may land on this thread
      // while it waits: the exception would end the thread and the process.
      if (e.num() == EINTR) continue;
      throw;
    }
    if (frame.size() == 0 && !frame.more()) return;
    bool more = frame.more();
    task.push_back(std::move(frame));
    while (more) {
      zmq::message_t next;
      (void)pair.recv(next, zmq::recv_flags::none);
      more = next.more();
      task.push_back(std::move(next));
    }
    wire::Header in;
    if (!wire::unpack(task[0], in)) {
      spdlog::warn("task message with a malformed header dropped");
      continue;
    }
    wire::Frames result;
    if (begin(in)) {
      // The controller learns that the task started, so that if this engine
      // dies, tasks that never began run elsewhere without using an attempt.
      wire::Frames note = started_note(in.client(), in.seq());
      wire::send(pair, note);
      busy_ = true;
      result = execute(in, task);
      busy_ = false;
    } else {
      wire::Header out = wire::reply_to(in, wire::RESULT);
      set_error(out, wire::ABORTED, "herd::TaskAborted", "task aborted before it began");
      result.push_back(wire::pack(out));
    }
    if (!result.empty()) wire::send(pair, result);
  }
}

const detail::TaskEntry& Executor::lookup(const std::string& name) {
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

bool parse_started_note(const wire::Frames& frames, uint64_t& client, uint64_t& seq) {
  if (frames.size() != 2 || frames[0].size() != 0 || frames[1].size() != 2 * sizeof(uint64_t))
    return false;
  uint64_t key[2];
  std::memcpy(key, frames[1].data(), sizeof key);
  client = key[0];
  seq = key[1];
  return true;
}

bool Executor::begin(const wire::Header& in) {
  std::lock_guard lock(cancel_mutex_);
  current_ = {in.client(), in.seq()};
  cancel_flag_ = false;
  return cancelled_.erase(current_) == 0;
}

void Executor::cancel(uint64_t client, uint64_t seq) {
  std::lock_guard lock(cancel_mutex_);
  if (current_ == Key{client, seq}) cancel_flag_ = true;  // running, or just finished: harmless
  else cancelled_.insert({client, seq});
}

wire::Frames Executor::run(wire::Frames& task) {
  wire::Header in;
  if (task.empty() || !wire::unpack(task[0], in)) {
    spdlog::warn("task message with a malformed header dropped");
    return {};
  }
  return execute(in, task);
}

wire::Frames Executor::execute(const wire::Header& in, wire::Frames& task) {
  wire::Header out = wire::reply_to(in, wire::RESULT);
  out.set_engine_id(engine_id_);
  out.set_host(host_);
  out.set_items(in.items());
  out.set_started(wire::unix_now());
  Bytes result;
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
    detail::TaskContextScope context({id, engine_id_, in.attempt(), &cancel_flag_});
    set_task_id_variable(id);
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
    } else {
      result = run_chunk(entry, args, in.items(), out);
    }
  }
  out.set_finished(wire::unix_now());
  wire::Frames reply;
  reply.push_back(wire::pack(out));
  if (out.status() == wire::OK && !result.empty()) reply.push_back(wire::to_message(std::move(result)));
  return reply;
}

std::optional<wire::ItemFailure> Executor::call(const detail::TaskEntry& entry,
                                                const std::vector<Bytes>& args, Bytes& result) {
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
  } catch (const DecodeError& e) {
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
Bytes Executor::run_chunk(const detail::TaskEntry& entry, const std::vector<Bytes>& columns,
                          uint32_t items, wire::Header& out) {
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
  for (uint32_t i = 0; i < items; ++i) {
    std::optional<wire::ItemFailure> failure;
    try {
      for (size_t c = 0; c < readers.size(); ++c) args[c] = readers[c].get_view(readers[c].get_size());
    } catch (const DecodeError& e) {
      // The rest of the chunk cannot be found either.
      set_error(out, wire::BAD_REQUEST, "herd::DecodeError",
                std::string("malformed chunk of task '") + entry.name + "': " + e.what());
      return Bytes();
    }
    failure = call(entry, args, result);
    const size_t mark = packed.begin_item();
    if (failure) {
      failure->set_index(i);
      *out.add_failures() = std::move(*failure);
    } else {
      packed.put(result.data(), result.size());
    }
    packed.end_item(mark);
  }
  return std::move(packed).finish();
}

}  // namespace herd::engine
