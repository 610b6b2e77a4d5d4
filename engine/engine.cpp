#include "engine/engine.hpp"

#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <stdexcept>
#include <thread>

#include "client/src/process_groups.hpp"
#include "client/src/task_registry.hpp"
#include "engine/executor.hpp"
#include "engine/exit_announcement.hpp"
#include "engine/library_load.hpp"
#include "proto/curve.hpp"
#include "proto/wire.hpp"

namespace herd::engine {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr size_t kMaxReceivesPerTurn = 1024;
// How long a HELLO may go unanswered before it is said again, and how often
// an engine that cannot reach its controller says so in its log.
constexpr auto kHelloRetry = std::chrono::seconds(2);
constexpr auto kWarnEvery = std::chrono::seconds(5);

// Kept for the process's life, so the controller knows a reconnecting engine
// as the same one (same routing id, pid and host).
std::string random_routing_id() {
  std::random_device rd;
  char id[24];
  std::snprintf(id, sizeof id, "engine-%08x%08x", rd(), rd());
  return id;
}

std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

// Ends the process at once, announced, while the task thread may still run
// a task (a C++ thread cannot be stopped). The task's shell commands go with
// it. The logs are flushed, not shut down: spdlog::shutdown() would free the
// loggers under the task thread, which may log (the task itself, or the
// executor around it) until _Exit.
[[noreturn]] void exit_with_task_running(int code) {
  detail::end_process_groups();
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& logger) { logger->flush(); });
  announce_exit(code);
  std::_Exit(code);
}

// A task that calls exit() runs the process's exit handlers on the task
// thread: the destructors of statics (spdlog's loggers among them) would
// tear the engine down under its main thread, which goes on using them and
// may crash, so that its supervisor sees a signal instead of the task's exit
// code. Registered once the engine's statics exist, this handler runs before
// their destructors and, off the main thread, ends the process at once with
// the task's code, flushing stdio as exit() would.
std::thread::id g_main_thread;

void exit_at_once_off_main(int status, void*) {
  if (std::this_thread::get_id() == g_main_thread) return;
  std::fflush(nullptr);
  std::_Exit(status);
}

void guard_exits_from_tasks() {
  static const bool registered = [] {
    g_main_thread = std::this_thread::get_id();
    return ::on_exit(exit_at_once_off_main, nullptr) == 0;
  }();
  if (!registered) spdlog::warn("cannot guard against tasks that call exit()");
}

// The engine's main thread: owns the DEALER to the controller, relays tasks
// to the executor and results back, and beats its heart on time.
class Session {
 public:
  Session(const EngineOptions& options)
      : options_(options),
        socket_(context_, zmq::socket_type::dealer),
        control_(context_, zmq::socket_type::pair),
        host_(host_name()) {
    socket_.set(zmq::sockopt::linger, 1000);  // let BYE and last results out
    socket_.set(zmq::sockopt::sndhwm, 0);
    socket_.set(zmq::sockopt::rcvhwm, 0);
    // Only the controller can reach this socket, and it forwards nothing
    // over its own --max-message-mb, which may exceed any default here.
    socket_.set(zmq::sockopt::maxmsgsize, int64_t{-1});
    control_.set(zmq::sockopt::linger, 0);
    control_.set(zmq::sockopt::sndhwm, 0);
    control_.set(zmq::sockopt::rcvhwm, 0);
    const std::string endpoint = "inproc://executor";
    control_.bind(endpoint);
    executor_ = std::make_unique<Executor>(context_, endpoint, host_, options_.capture);
    socket_.set(zmq::sockopt::routing_id, random_routing_id());
    wire::set_curve_client(socket_, options_.curve);
    monitor_ = std::make_unique<wire::ConnectionMonitor>(context_, socket_, options_.url,
                                                         options_.curve.enabled());
    socket_.connect(options_.url);
    started_at_ = last_warning_ = Clock::now();
  }

  int run(const std::atomic<bool>& stop) {
    send_hello();
    std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                                          {control_.handle(), 0, ZMQ_POLLIN, 0},
                                          {monitor_->events().handle(), 0, ZMQ_POLLIN, 0}};
    wire::Frames frames;
    while (!stop && exit_code_ < 0) {
      try {
        zmq::poll(items, kPollInterval);
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        throw;
      }
      for (size_t i = 0; i < kMaxReceivesPerTurn && wire::receive(control_, frames); ++i)
        on_executor_message(frames);
      flush_started();
      for (size_t i = 0; i < kMaxReceivesPerTurn && wire::receive(socket_, frames); ++i)
        on_controller_message(frames);
      if (items[2].revents & ZMQ_POLLIN) on_connection_event();
      beat();
      check_connect_timeout();
    }
    if (exit_code_ < 0) exit_code_ = 0;
    // A retired engine has said RETIRED; the controller no longer knows it.
    if (exit_code_ != kRetiredExitCode) send_control(wire::BYE);
    spdlog::info("engine {} stopping", engine_id_);
    if (!executor_->stop(control_)) {
      spdlog::warn("engine {} leaves a running task behind", engine_id_);
      exit_with_task_running(exit_code_);
    }
    return exit_code_;
  }

 private:
  // A result goes on to the controller; STARTED notes are batched, one
  // message per loop turn however many tasks began.
  void on_executor_message(wire::Frames& frames) {
    uint64_t client, seq;
    if (parse_started_note(frames, client, seq)) {
      auto* ref = started_.add_tasks();
      ref->set_client(client);
      ref->set_seq(seq);
      return;
    }
    if (parse_returned_note(frames, client, seq)) {
      std::erase(held_, std::pair<uint64_t, uint64_t>{client, seq});  // no longer ours
      auto* ref = returned_.add_tasks();
      ref->set_client(client);
      ref->set_seq(seq);
      return;
    }
    if (is_drained_note(frames)) {
      finish_retirement();
      return;
    }
    // The executor answers every task, one at a time, in the order given.
    if (!held_.empty()) {
      drop_started_note(held_.front());
      held_.pop_front();
    }
    refuse_if_too_large(frames);
    wire::send(socket_, frames);
  }

  // Another engine fell idle while we hold tasks behind a long one: those
  // the executor has not begun go back to the controller (RECALLED), and
  // the executor skips them when their turn comes.
  void give_back_not_begun() {
    wire::Header reply;
    reply.set_type(wire::RECALLED);
    const size_t kept = held_.size() - executor_->recall(held_);
    for (size_t i = kept; i < held_.size(); ++i) {
      auto* ref = reply.add_tasks();
      ref->set_client(held_[i].first);
      ref->set_seq(held_[i].second);
    }
    held_.resize(kept);
    flush_started();
    wire::Frames frames;
    frames.push_back(wire::pack(reply));
    wire::send(socket_, frames);
  }

  // A result the controller would not take (it would drop our connection
  // and, with it, this healthy engine) becomes a failure naming its size.
  void refuse_if_too_large(wire::Frames& frames) {
    size_t bytes = 0;
    for (const auto& frame : frames) bytes += frame.size();
    wire::Header result;
    if (bytes <= max_message_ || !wire::unpack(frames[0], result)) return;
    if (result.output()) {
      // What the tasks printed is worth less than their results: it goes first.
      spdlog::warn(
          "engine {}: task {}: output of {} bytes dropped: the result with it is too large",
          engine_id_, wire::task_id(result.client(), result.seq()), frames.back().size());
      bytes -= frames.back().size();
      frames.pop_back();
      result.set_output(false);
      frames[0] = wire::pack(result);
      if (bytes <= max_message_) return;
    }
    wire::Header failure = wire::reply_to(result, wire::RESULT);
    failure.set_status(wire::TOO_LARGE);
    failure.set_task(result.task());
    failure.set_engine_id(result.engine_id());
    failure.set_host(result.host());
    failure.set_started(result.started());
    failure.set_finished(result.finished());
    failure.mutable_error()->set_size(bytes);
    failure.mutable_error()->set_limit(max_message_);
    failure.mutable_error()->set_message("the task's result takes " + std::to_string(bytes) +
                                         " bytes, more than the " + std::to_string(max_message_) +
                                         " a message may have (herd controller --max-message-mb)");
    spdlog::warn("engine {}: {}", engine_id_, failure.error().message());
    frames.clear();
    frames.push_back(wire::pack(failure));
  }

  // Every task this engine held has run or is in returned_: tell the
  // controller, which queues those again, and leave (kRetiredExitCode).
  void finish_retirement() {
    flush_started();
    returned_.set_type(wire::RETIRED);
    spdlog::info("engine {} retired; {} tasks it had not begun go back to the controller",
                 engine_id_, returned_.tasks_size());
    wire::Frames frames;
    frames.push_back(wire::pack(returned_));
    wire::send(socket_, frames);
    exit_code_ = kRetiredExitCode;
  }

  // A result says that its task started: the task's STARTED note, if it
  // has not gone yet, need not go. Notes go once per loop turn (run()), so a
  // short task's note and result, which come in one turn, cost the
  // controller one message instead of two.
  void drop_started_note(const std::pair<uint64_t, uint64_t>& task) {
    auto* notes = started_.mutable_tasks();
    for (int i = notes->size() - 1; i >= 0; --i) {
      const wire::TaskRef& note = notes->Get(i);
      if (note.client() != task.first || note.seq() != task.second) continue;
      notes->DeleteSubrange(i, 1);
      return;
    }
  }

  void flush_started() {
    if (started_.tasks_size() == 0) return;
    started_.set_type(wire::STARTED);
    wire::Frames frames;
    frames.push_back(wire::pack(started_));
    wire::send(socket_, frames);
    started_.Clear();
  }

  void on_controller_message(wire::Frames& frames) {
    wire::Header header;
    if (frames.empty() || !wire::unpack(frames[0], header)) {
      spdlog::warn("malformed message from the controller ignored");
      return;
    }
    switch (header.type()) {
      case wire::TASK:
        held_.push_back({header.client(), header.seq()});
        wire::send(control_, frames);  // the executor parses it again; headers are small
        break;
      case wire::RECALL:
        give_back_not_begun();
        break;
      case wire::CANCEL:
        executor_->cancel(header.client(), header.seq());
        break;
      case wire::RETIRE:
        if (retiring_) break;
        retiring_ = true;
        spdlog::info("engine {} retiring: it finishes its running task and hands back the rest",
                     engine_id_);
        executor_->retire(control_);
        break;
      case wire::RECYCLE: {
        // A task overran its timeout or ignored a cancellation. A thread
        // cannot be stopped, so the process goes; its supervisor starts a
        // fresh engine, unless this one was retiring anyway.
        spdlog::warn("engine {} recycled by the controller: {}", engine_id_,
                     header.error().message());
        exit_with_task_running(retiring_ ? kRetiredExitCode : kRecycledExitCode);
      }
      case wire::WELCOME:
        if (!awaiting_welcome_) break;  // the answer to a HELLO said twice
        awaiting_welcome_ = false;
        if (header.welcome().heartbeat_ms() > 0)
          heartbeat_ = std::chrono::milliseconds(header.welcome().heartbeat_ms());
        if (header.welcome().max_message_bytes() > 0)
          max_message_ = header.welcome().max_message_bytes();
        engine_id_ = header.welcome().engine_id();
        executor_->set_engine_id(engine_id_);  // it sets HERD_ENGINE_ID between tasks
        spdlog::info("registered with {} as engine {}", options_.url, engine_id_);
        break;
      case wire::REFUSED:
        if (header.error().type() == "unregistered") {
          // The controller restarted or gave us up for lost: register afresh,
          // with one HELLO however many messages it refused meanwhile (an
          // unanswered one is said again by beat()).
          if (awaiting_welcome_) break;
          spdlog::warn("controller no longer knows engine {}; registering again", engine_id_);
          send_hello();
        } else {
          spdlog::error("controller refused this engine: {}", header.error().message());
          exit_code_ = kRefusedExitCode;
        }
        break;
      default:
        spdlog::debug("unexpected message type {} from the controller",
                      static_cast<int>(header.type()));
    }
  }

  // Once per heartbeat interval. Beats go only while registered and
  // connected: beats queued during an outage would reach a restarted
  // controller as a burst from a stranger. A HELLO that goes unanswered is
  // said again now and then; no connection is worth a warning now and then.
  void beat() {
    const auto now = Clock::now();
    if (now - last_beat_ < heartbeat_) return;
    last_beat_ = now;
    if (monitor_->state() != wire::ConnectionMonitor::State::kUp) {
      if (now - last_warning_ < kWarnEvery) return;
      last_warning_ = now;
      spdlog::warn("engine {} cannot reach the controller: {}", engine_id_, monitor_->describe());
    } else if (awaiting_welcome_) {
      if (now - last_hello_ >= kHelloRetry) send_hello();
    } else if (engine_id_ != 0) {
      send_control(wire::HEARTBEAT);
    }
  }

  void on_connection_event() {
    monitor_->update();
    if (monitor_->handshakes() > handshakes_seen_) {
      // A new connection after an outage: the controller may have
      // restarted, so say HELLO; a controller that knows us answers with
      // our old id.
      if (handshakes_seen_ > 0) send_hello();
      handshakes_seen_ = monitor_->handshakes();
    }
    if (monitor_->final()) {
      spdlog::error("the controller refused this engine: {}", monitor_->describe());
      exit_code_ = kRefusedExitCode;
    }
  }

  void check_connect_timeout() {
    if (engine_id_ != 0 || options_.connect_timeout.count() == 0) return;
    if (Clock::now() - started_at_ < options_.connect_timeout) return;
    spdlog::error("not registered within {} ms: {}", options_.connect_timeout.count(),
                  monitor_->describe());
    exit_code_ = 1;
  }

  void send_hello() {
    awaiting_welcome_ = true;
    last_hello_ = Clock::now();
    wire::Header header;
    header.set_type(wire::HELLO);
    auto* hello = header.mutable_hello();
    hello->set_version(wire::kProtocolVersion);
    hello->set_role(wire::ENGINE);
    hello->set_host(host_);
    hello->set_pid(::getpid());
    hello->set_cores(std::thread::hardware_concurrency());
    hello->set_restarts(options_.restarts);
    for (const auto& entry : detail::TaskRegistry::instance().entries()) {
      auto* t = hello->add_tasks();
      t->set_name(entry.name);
      t->set_signature(entry.signature);
    }
    for (const LoadedLibrary& loaded : options_.loaded) {
      auto* lib = hello->add_libraries();
      lib->set_path(loaded.path);
      lib->set_hash(loaded.hash);
      for (const auto& task : loaded.tasks) lib->add_tasks(task);
    }
    for (const auto& [client, seq] : held_) {
      auto* ref = header.add_tasks();
      ref->set_client(client);
      ref->set_seq(seq);
    }
    wire::Frames frames;
    frames.push_back(wire::pack(header));
    wire::send(socket_, frames);
  }

  void send_control(wire::Type type) {
    wire::Header header;
    header.set_type(type);
    wire::Frames frames;
    frames.push_back(wire::pack(header));
    wire::send(socket_, frames);
  }

  const EngineOptions& options_;
  zmq::context_t context_{1};
  zmq::socket_t socket_;
  zmq::socket_t control_;  // our end of the executor's PAIR
  const std::string host_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<wire::ConnectionMonitor> monitor_;
  bool awaiting_welcome_ = false;                         // a HELLO is out and not yet answered
  uint64_t max_message_ = wire::kDefaultMaxMessageBytes;  // the controller's, from its welcome
  uint64_t handshakes_seen_ = 0;
  Clock::time_point started_at_, last_hello_, last_warning_;
  wire::Header started_;   // STARTED notes not yet sent
  wire::Header returned_;  // tasks handed back while retiring
  bool retiring_ = false;
  // Tasks given to the executor and not yet answered, oldest first: a HELLO
  // lists them, so that a controller we register with again (after an
  // outage, or restarted) neither counts us idle nor runs them twice.
  std::deque<std::pair<uint64_t, uint64_t>> held_;
  uint32_t engine_id_ = 0;
  int exit_code_ = -1;
  std::chrono::milliseconds heartbeat_{1000};
  Clock::time_point last_beat_;
};

}  // namespace

std::vector<LoadedLibrary> load_task_libraries(const std::vector<std::string>& libraries) {
  std::vector<LoadedLibrary> loaded;
  for (const auto& path : libraries) {
    LibraryLoad load(path);
    // RTLD_NODELETE: tasks' code must outlive any handle bookkeeping.
    if (!::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE)) {
      const char* why = ::dlerror();
      throw std::runtime_error("cannot load task library " + path + ": " +
                               (why ? why : "unknown error"));
    }
    loaded.push_back(load.finish());
    spdlog::info("loaded task library {} (sha256 {}, {} tasks)", path, loaded.back().hash,
                 loaded.back().tasks.size());
  }
  return loaded;
}

int run_engine(const EngineOptions& options, const std::atomic<bool>& stop) {
  guard_exits_from_tasks();
  try {
    Session session(options);
    return session.run(stop);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error("engine cannot connect to '" + options.url + "': " + e.what());
  }
}

}  // namespace herd::engine
