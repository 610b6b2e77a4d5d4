#include "client_core.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <random>
#include <spdlog/spdlog.h>

#include "herd/error.hpp"

namespace herd::detail {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kHeartbeat = std::chrono::milliseconds(1000);
constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr size_t kMaxReceivesPerTurn = 4096;

uint64_t random_key() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

std::chrono::system_clock::time_point from_unix(double seconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(seconds)));
}

std::exception_ptr error_from(const wire::Header& h, const RemoteOrigin& origin) {
  const auto& e = h.error();
  switch (h.status()) {
    case wire::REMOTE_ERROR:
      return std::make_exception_ptr(RemoteError(e.type(), e.message(), origin));
    case wire::UNKNOWN_TASK:
      return std::make_exception_ptr(UnknownTask(e.message()));
    case wire::SIGNATURE_MISMATCH:
      return std::make_exception_ptr(SignatureMismatch(h.task(), e.expected(), e.actual()));
    case wire::ENGINE_LOST:
      return std::make_exception_ptr(EngineLost(e.message(), origin));
    case wire::TIMEOUT:
      return std::make_exception_ptr(TimeoutError(e.message()));
    case wire::ABORTED:
      return std::make_exception_ptr(TaskAborted(e.message()));
    default:
      return std::make_exception_ptr(Error(e.message().empty() ? "task failed" : e.message()));
  }
}

ClusterStatus status_from(const wire::StatusReply& r) {
  ClusterStatus s;
  s.controller_pid = r.pid();
  s.client_url = r.client_url();
  s.engine_url = r.engine_url();
  s.queue_depth = r.queue_depth();
  s.tasks_done = r.tasks_done();
  s.tasks_failed = r.tasks_failed();
  for (const auto& e : r.engines())
    s.engines.push_back({e.id(), e.host(), e.pid(), e.state(), e.tasks_done(), e.restarts(),
                         e.outstanding(), e.cores()});
  return s;
}
}  // namespace

ClientCore::ClientCore(std::string url, ClientOptions options)
    : url_(std::move(url)),
      options_(options),
      client_key_(random_key()),
      context_(1),
      socket_(context_, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::sndhwm, 0);
  socket_.set(zmq::sockopt::rcvhwm, 0);
  try {
    socket_.connect(url_);
  } catch (const zmq::error_t& e) {
    throw ConnectionError("cannot connect to '" + url_ + "': " + e.what());
  }
  doorbell_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (doorbell_ < 0) throw ConnectionError("cannot create eventfd");
  last_heard_ = waiting_since_ = last_beat_ = Clock::now();
}

ClientCore::~ClientCore() {
  stop();
  if (doorbell_ >= 0) ::close(doorbell_);
}

void ClientCore::start() {
  io_thread_ = std::thread([this] { run(); });
}

void ClientCore::stop() {
  if (stopping_.exchange(true)) return;
  const uint64_t one = 1;
  (void)!::write(doorbell_, &one, sizeof one);
  if (io_thread_.joinable()) io_thread_.join();
  fail_everything("client closed");
  socket_.close();
}

std::vector<std::shared_ptr<ResultState>> ClientCore::submit(const std::string& name,
                                                             const std::string& signature,
                                                             const TaskOptions& options,
                                                             std::vector<TaskCall> calls) {
  std::vector<std::shared_ptr<ResultState>> states;
  std::vector<Outgoing> batch;
  states.reserve(calls.size());
  batch.reserve(calls.size());
  wire::Header header;
  header.set_type(wire::TASK);
  header.set_client(client_key_);
  header.set_task(name);
  header.set_signature(signature);
  header.set_retries(options.retries);
  header.set_timeout_ms(static_cast<uint64_t>(options.timeout.count()));
  header.set_attempt(1);
  uint64_t seq = next_seq_.fetch_add(calls.size());
  for (auto& call : calls) {
    header.set_seq(seq);
    Outgoing out;
    out.frames.reserve(1 + call.args.size());
    out.frames.push_back(wire::pack(header));
    for (auto& arg : call.args) out.frames.push_back(wire::to_message(std::move(arg)));
    out.result = std::make_shared<ResultState>(wire::task_id(client_key_, seq), seq, weak_from_this());
    states.push_back(out.result);
    batch.push_back(std::move(out));
    ++seq;
  }
  post(std::move(batch));
  return states;
}

ClusterStatus ClientCore::status(std::chrono::milliseconds timeout) {
  Outgoing out;
  out.request = next_request_++;
  out.status = std::make_shared<StatusPromise>();
  auto future = out.status->get_future();
  wire::Header header;
  header.set_type(wire::STATUS);
  header.set_request(out.request);
  out.frames.push_back(wire::pack(header));
  std::vector<Outgoing> batch;
  batch.push_back(std::move(out));
  post(std::move(batch));
  if (future.wait_for(timeout) != std::future_status::ready)
    throw TimeoutError("no status from the controller at " + url_ + " within " +
                       std::to_string(timeout.count()) + " ms");
  return future.get();
}

void ClientCore::abort(uint64_t seq) {
  wire::Header header;
  header.set_type(wire::ABORT);
  header.set_client(client_key_);
  header.set_seq(seq);
  std::vector<Outgoing> batch(1);
  batch[0].frames.push_back(wire::pack(header));
  post(std::move(batch));
}

void ClientCore::post(std::vector<Outgoing> batch) {
  {
    std::lock_guard lock(inbox_mutex_);
    if (!refused_.empty() || stopping_) {
      const std::string why = refused_.empty() ? "client closed" : refused_;
      for (auto& out : batch) {
        if (out.result) out.result->fail(std::make_exception_ptr(ConnectionError(why)), {});
        if (out.status) out.status->set_exception(std::make_exception_ptr(ConnectionError(why)));
      }
      return;
    }
    const bool was_empty = inbox_.empty();
    if (was_empty) inbox_ = std::move(batch);
    else for (auto& out : batch) inbox_.push_back(std::move(out));
    if (!was_empty) return;  // the doorbell already rang for this batch
  }
  const uint64_t one = 1;
  (void)!::write(doorbell_, &one, sizeof one);
}

void ClientCore::run() {
  send_hello();
  std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                                        {nullptr, doorbell_, ZMQ_POLLIN, 0}};
  wire::Frames frames;
  while (!stopping_) {
    try {
      zmq::poll(items, kPollInterval);
      if (items[1].revents & ZMQ_POLLIN) {
        uint64_t count;
        (void)!::read(doorbell_, &count, sizeof count);
        drain_inbox();
      }
      for (size_t i = 0; i < kMaxReceivesPerTurn && wire::receive(socket_, frames); ++i)
        on_message(frames);
      on_timer();
    } catch (const std::exception& e) {
      spdlog::error("herd client I/O: {}", e.what());
    }
  }
}

void ClientCore::drain_inbox() {
  std::vector<Outgoing> batch;
  {
    std::lock_guard lock(inbox_mutex_);
    batch.swap(inbox_);
  }
  for (auto& out : batch) send_or_hold(std::move(out));
}

void ClientCore::send_or_hold(Outgoing&& out) {
  if (out.result) {
    if (pending_.empty()) waiting_since_ = Clock::now();
    pending_.emplace(out.result->seq(), out.result);
  }
  if (out.status) {
    if (status_waiters_.empty()) waiting_since_ = Clock::now();
    status_waiters_.emplace(out.request, out.status);
  }
  if (!welcomed_) {
    held_.push_back(std::move(out));
    return;
  }
  send_now(out.frames);
}

void ClientCore::send_now(wire::Frames& frames) {
  // The socket's high-water mark is unlimited, so a send only fails if the
  // socket itself is broken; that surfaces as the controller falling silent.
  if (!wire::send(socket_, frames)) spdlog::warn("herd client: message to {} not sent", url_);
}

void ClientCore::on_message(wire::Frames& frames) {
  wire::Header header;
  if (frames.empty() || !wire::unpack(frames[0], header)) {
    spdlog::warn("herd client: malformed message from controller ignored");
    return;
  }
  last_heard_ = Clock::now();
  switch (header.type()) {
    case wire::WELCOME:
      if (!welcomed_) {
        welcomed_ = true;
        for (auto& out : held_) send_now(out.frames);
        held_.clear();
      }
      break;
    case wire::REFUSED: {
      const std::string why = "controller at " + url_ + " refused this client: " + header.error().message();
      {
        std::lock_guard lock(inbox_mutex_);
        refused_ = why;
      }
      fail_everything(why);
      break;
    }
    case wire::RESULT:
      on_result(header, frames);
      break;
    case wire::STATUS_REPLY:
      on_status_reply(header);
      break;
    case wire::HEARTBEAT:
      break;
    default:
      spdlog::debug("herd client: unexpected message type {}", static_cast<int>(header.type()));
  }
}

void ClientCore::on_result(const wire::Header& h, wire::Frames& frames) {
  if (h.client() != client_key_) return;
  auto it = pending_.find(h.seq());
  if (it == pending_.end()) return;  // already failed locally (e.g. timed out)
  auto state = std::move(it->second);
  pending_.erase(it);
  TaskMetadata md;
  md.task_id = state->id();
  md.engine_id = h.engine_id();
  md.host = h.host();
  md.attempt = h.attempt();
  md.started = from_unix(h.started());
  md.completed = from_unix(h.finished());
  if (h.status() == wire::OK) {
    Bytes value = frames.size() > 1 ? wire::to_bytes(std::move(frames[1])) : Bytes();
    state->complete(std::move(value), std::move(md));
  } else {
    RemoteOrigin origin{state->id(), h.engine_id(), h.host()};
    state->fail(error_from(h, origin), std::move(md));
  }
}

void ClientCore::on_status_reply(const wire::Header& h) {
  auto it = status_waiters_.find(h.request());
  if (it == status_waiters_.end()) return;
  it->second->set_value(status_from(h.status_reply()));
  status_waiters_.erase(it);
}

void ClientCore::on_timer() {
  const auto now = Clock::now();
  if (now - last_beat_ >= kHeartbeat) {
    last_beat_ = now;
    if (welcomed_) send_control(wire::HEARTBEAT);
    else send_hello();  // a controller that starts after us still gets a hello
  }
  const bool waiting = !pending_.empty() || !status_waiters_.empty();
  if (waiting && now - std::max(last_heard_, waiting_since_) > options_.connection_timeout) {
    fail_everything("no answer from the controller at " + url_ + " for " +
                    std::to_string(options_.connection_timeout.count()) +
                    " ms: is the cluster running? (herd status)");
  }
}

void ClientCore::send_hello() {
  wire::Header header;
  header.set_type(wire::HELLO);
  header.mutable_hello()->set_version(wire::kProtocolVersion);
  header.mutable_hello()->set_role(wire::CLIENT);
  header.mutable_hello()->set_pid(::getpid());
  wire::Frames frames;
  frames.push_back(wire::pack(header));
  send_now(frames);
}

void ClientCore::send_control(wire::Type type, uint64_t request) {
  wire::Header header;
  header.set_type(type);
  header.set_request(request);
  wire::Frames frames;
  frames.push_back(wire::pack(header));
  send_now(frames);
}

void ClientCore::fail_everything(const std::string& why) {
  // After the I/O thread stopped, or on it: nobody else touches these maps.
  for (auto& [seq, state] : pending_) state->fail(std::make_exception_ptr(ConnectionError(why)), {});
  pending_.clear();
  for (auto& [id, promise] : status_waiters_)
    promise->set_exception(std::make_exception_ptr(ConnectionError(why)));
  status_waiters_.clear();
  held_.clear();
  std::vector<Outgoing> unsent;
  {
    std::lock_guard lock(inbox_mutex_);
    unsent.swap(inbox_);
  }
  for (auto& out : unsent) {
    if (out.result) out.result->fail(std::make_exception_ptr(ConnectionError(why)), {});
    if (out.status) out.status->set_exception(std::make_exception_ptr(ConnectionError(why)));
  }
}

}  // namespace herd::detail
