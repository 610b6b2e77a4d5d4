#include "fake_engines.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>
#include <herd/herd.hpp>
#include <stdexcept>
#include <vector>

#include "proto/curve.hpp"
#include "proto/wire.hpp"

namespace herd::bench {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(50);
constexpr size_t kMaxReceivesPerSocket = 256;
constexpr const char* kTask = "noop";

std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

void send_header(zmq::socket_t& socket, const wire::Header& header) {
  wire::Frames frames;
  frames.push_back(wire::pack(header));
  wire::send(socket, frames);
}

// One engine's side of the protocol; its socket is polled by the owner.
class Engine {
 public:
  Engine(zmq::context_t& context, const ConnectionInfo& info)
      : socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 100);  // let BYE out
    socket_.set(zmq::sockopt::sndhwm, 0);
    socket_.set(zmq::sockopt::rcvhwm, 0);
    wire::set_curve_client(socket_, info.curve);  // every engine shares engine.json's key
    socket_.connect(info.url);
  }

  zmq::socket_t& socket() { return socket_; }
  bool registered() const { return id_ != 0; }

  void send_hello(const std::string& host) {
    wire::Header header;
    header.set_type(wire::HELLO);
    auto* hello = header.mutable_hello();
    hello->set_version(wire::kProtocolVersion);
    hello->set_role(wire::ENGINE);
    hello->set_host(host);
    hello->set_pid(::getpid());
    hello->set_cores(1);
    auto* task = hello->add_tasks();
    task->set_name(kTask);
    task->set_signature(Task<int(int)>::signature());
    send_header(socket_, header);
  }

  void send(wire::Type type) {
    wire::Header header;
    header.set_type(type);
    send_header(socket_, header);
  }

  // Handles one message from the controller; returns the heartbeat interval
  // a WELCOME asks for (0 otherwise). Counts answered tasks in `done`; their
  // results wait for flush().
  uint32_t on_message(wire::Frames& frames, const std::string& host, std::atomic<uint64_t>& done) {
    wire::Header in;
    if (frames.empty() || !wire::unpack(frames[0], in)) return 0;
    switch (in.type()) {
      case wire::WELCOME:
        id_ = in.welcome().engine_id();
        return in.welcome().heartbeat_ms();
      case wire::REFUSED:
        if (in.error().type() == "unregistered") send_hello(host);
        return 0;
      case wire::TASK:
        answer(in, frames, host);
        ++done;
        return 0;
      default:
        return 0;
    }
  }

  // As a real engine does after a turn of its loop: one STARTED note for the
  // tasks that began, then their results.
  void flush() {
    if (started_.tasks_size() > 0) {
      started_.set_type(wire::STARTED);
      send_header(socket_, started_);
      started_.Clear();
    }
    for (auto& reply : results_) wire::send(socket_, reply);
    results_.clear();
  }

 private:
  // RESULT as a real engine sends it: noop(x) = x, encoded by the codec.
  void answer(const wire::Header& in, wire::Frames& frames, const std::string& host) {
    wire::Header out = wire::reply_to(in, wire::RESULT);
    out.set_engine_id(id_);
    out.set_host(host);
    out.set_started(wire::unix_now());
    wire::Frames reply(1);
    try {
      if (in.task() != kTask || in.signature() != Task<int(int)>::signature() || frames.size() != 2)
        throw DecodeError("a fake engine runs only noop(int) calls");
      const int x = decode_frame<int>(wire::to_bytes(std::move(frames[1])));
      reply.push_back(wire::to_message(encode_frame<int>(x)));
      out.set_status(wire::OK);
    } catch (const DecodeError& e) {
      out.set_status(wire::BAD_REQUEST);
      out.mutable_error()->set_type("herd::DecodeError");
      out.mutable_error()->set_message(e.what());
    }
    out.set_finished(wire::unix_now());
    reply[0] = wire::pack(out);
    results_.push_back(std::move(reply));
    auto* ref = started_.add_tasks();
    ref->set_client(in.client());
    ref->set_seq(in.seq());
  }

  zmq::socket_t socket_;
  uint32_t id_ = 0;
  wire::Header started_;               // STARTED note for the tasks of this turn
  std::vector<wire::Frames> results_;  // their results, sent after it
};

// Which engines' sockets may have something to read.
class EpollSet {
 public:
  explicit EpollSet(std::vector<Engine>& engines) : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("epoll_create1 failed");
    events_.resize(engines.size());
    for (size_t i = 0; i < engines.size(); ++i) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = i;
      if (::epoll_ctl(fd_, EPOLL_CTL_ADD, engines[i].socket().get(zmq::sockopt::fd), &event) != 0)
        throw std::runtime_error("epoll_ctl failed");
    }
  }
  ~EpollSet() { ::close(fd_); }
  EpollSet(const EpollSet&) = delete;
  EpollSet& operator=(const EpollSet&) = delete;

  std::vector<size_t> wait(std::chrono::milliseconds timeout) {
    const int n = ::epoll_wait(fd_, events_.data(), static_cast<int>(events_.size()),
                               static_cast<int>(timeout.count()));
    std::vector<size_t> ready;
    for (int i = 0; i < n; ++i) ready.push_back(events_[static_cast<size_t>(i)].data.u64);
    return ready;
  }

 private:
  const int fd_;
  std::vector<epoll_event> events_;
};

}  // namespace

FakeEngines::FakeEngines(ConnectionInfo info, size_t count)
    : info_(std::move(info)), count_(count) {
  thread_ = std::thread([this] {
    try {
      run();
    } catch (const std::exception& e) {
      error_ = e.what();
      failed_ = true;
    }
  });
}

FakeEngines::~FakeEngines() {
  stop_ = true;
  thread_.join();
}

std::string FakeEngines::error() const { return failed_ ? error_ : std::string(); }

void FakeEngines::run() {
  zmq::context_t context(1);
  context.set(zmq::ctxopt::max_sockets, static_cast<int>(count_ + 64));
  const std::string host = host_name();
  std::vector<Engine> engines;
  engines.reserve(count_);
  for (size_t i = 0; i < count_; ++i) engines.emplace_back(context, info_).send_hello(host);
  // zmq_poll over hundreds of sockets costs a system call and a check per
  // socket every turn; epoll on each socket's notification fd costs per
  // active socket. That fd only says "look again": after it fires, and after
  // we send on a socket, read until the socket has nothing more.
  EpollSet epoll(engines);
  auto heartbeat = std::chrono::milliseconds(1000);
  auto last_beat = Clock::now();
  wire::Frames frames;
  auto serve = [&](Engine& engine) {
    while (engine.socket().get(zmq::sockopt::events) & ZMQ_POLLIN) {
      for (size_t n = 0; n < kMaxReceivesPerSocket && wire::receive(engine.socket(), frames); ++n) {
        if (const uint32_t ms = engine.on_message(frames, host, tasks_done_); ms > 0)
          heartbeat = std::chrono::milliseconds(ms);
      }
      engine.flush();
    }
  };
  for (auto& engine : engines) serve(engine);
  while (!stop_) {
    const auto ready = epoll.wait(kPollInterval);
    if (ready.empty())
      for (auto& engine : engines) serve(engine);  // a quiet moment: sweep them all
    for (size_t i : ready) serve(engines[i]);
    if (Clock::now() - last_beat >= heartbeat) {
      last_beat = Clock::now();
      for (auto& engine : engines) {
        if (!engine.registered()) continue;
        engine.send(wire::HEARTBEAT);
        serve(engine);
      }
    }
  }
  for (auto& engine : engines)
    if (engine.registered()) engine.send(wire::BYE);
}

}  // namespace herd::bench
