#include "relay.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace herd::bench {

namespace {

constexpr size_t kMaxReceivesPerTurn = 1024;
constexpr size_t kSeqBytes = 8;

using Frames = std::vector<zmq::message_t>;

// A helper dies with the bench, so a crashed run leaves no process behind.
void die_with_parent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(0);
}

void unbounded_queues(zmq::socket_t& s) {
  s.set(zmq::sockopt::sndhwm, 0);
  s.set(zmq::sockopt::rcvhwm, 0);
  s.set(zmq::sockopt::linger, 0);
}

bool receive(zmq::socket_t& s, Frames& frames) {
  frames.clear();
  return zmq::recv_multipart(s, std::back_inserter(frames), zmq::recv_flags::dontwait).has_value();
}

// The broker: requests go to the worker with the fewest outstanding ones
// (herd's controller picks the least-loaded engine too); replies go back to
// the client whose routing id the worker echoes.
class Broker {
 public:
  explicit Broker(size_t workers) : expected_workers_(workers) {
    unbounded_queues(clients_);
    unbounded_queues(workers_);
    clients_.bind("tcp://127.0.0.1:*");
    workers_.bind("tcp://127.0.0.1:*");
  }

  std::string endpoints() const {
    return clients_.get(zmq::sockopt::last_endpoint) + " " +
           workers_.get(zmq::sockopt::last_endpoint);
  }

  [[noreturn]] void run() {
    std::vector<zmq::pollitem_t> items = {{workers_.handle(), 0, ZMQ_POLLIN, 0},
                                          {clients_.handle(), 0, 0, 0}};
    Frames frames;
    for (;;) {
      zmq::poll(items, std::chrono::milliseconds(-1));
      for (size_t i = 0; i < kMaxReceivesPerTurn && receive(workers_, frames); ++i)
        on_worker(frames);
      if (ids_.size() < expected_workers_) continue;  // hold requests until all are ready
      items[1].events = ZMQ_POLLIN;
      for (size_t i = 0; i < kMaxReceivesPerTurn && receive(clients_, frames); ++i)
        on_client(frames);
    }
  }

 private:
  void on_worker(Frames& frames) {
    if (frames.size() == 2 && frames[1].to_string_view() == "ready") {
      ids_.push_back(frames[0].to_string());
      outstanding_.push_back(0);
      return;
    }
    if (frames.size() < 3) return;
    const auto it = std::find(ids_.begin(), ids_.end(), frames[0].to_string_view());
    if (it != ids_.end()) --outstanding_[static_cast<size_t>(it - ids_.begin())];
    frames.erase(frames.begin());  // [worker][client][reply] -> [client][reply]
    (void)zmq::send_multipart(clients_, frames);
  }

  void on_client(Frames& frames) {
    const size_t w = static_cast<size_t>(
        std::min_element(outstanding_.begin(), outstanding_.end()) - outstanding_.begin());
    ++outstanding_[w];
    frames.insert(frames.begin(), zmq::message_t(ids_[w].data(), ids_[w].size()));
    (void)zmq::send_multipart(workers_, frames);
  }

  const size_t expected_workers_;
  zmq::context_t context_{1};
  zmq::socket_t clients_{context_, zmq::socket_type::router};
  zmq::socket_t workers_{context_, zmq::socket_type::router};
  std::vector<std::string> ids_;
  std::vector<size_t> outstanding_;
};

[[noreturn]] void run_broker(size_t workers, int report_fd) {
  Broker broker(workers);
  const std::string endpoints = broker.endpoints();
  (void)!::write(report_fd, endpoints.data(), endpoints.size());
  ::close(report_fd);
  broker.run();
}

[[noreturn]] void run_worker(const std::string& back, size_t reply_bytes) {
  zmq::context_t context(1);
  zmq::socket_t s(context, zmq::socket_type::dealer);
  unbounded_queues(s);
  s.connect(back);
  s.send(zmq::str_buffer("ready"), zmq::send_flags::none);
  Frames frames;
  for (;;) {
    frames.clear();
    (void)zmq::recv_multipart(s, std::back_inserter(frames));
    if (frames.size() < 2) continue;  // [client][request] or [client][sequence][payload]
    zmq::message_t reply(reply_bytes);
    std::memset(reply.data(), 0, reply_bytes);
    std::memcpy(reply.data(), frames[1].data(), std::min(kSeqBytes, frames[1].size()));
    frames.resize(1);
    frames.push_back(std::move(reply));
    (void)zmq::send_multipart(s, frames);
  }
}

// Runs `child` in a forked process that never returns into this one.
template <class Child>
pid_t spawn(Child child) {
  const pid_t parent = ::getpid();
  std::fflush(nullptr);  // a child must not flush our buffered output again
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    die_with_parent(parent);
    try {
      child();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "baseline relay helper: %s\n", e.what());
    }
    ::_exit(1);
  }
  return pid;
}

}  // namespace

RelayProcesses::RelayProcesses(int workers, size_t reply_bytes) {
  reply_bytes = std::max(reply_bytes, kSeqBytes);
  int report[2];
  if (::pipe(report) != 0) throw std::runtime_error("pipe failed");
  pids_.push_back(spawn([&] {
    ::close(report[0]);
    run_broker(static_cast<size_t>(workers), report[1]);
  }));
  ::close(report[1]);
  char buffer[256] = {};
  const ssize_t n = ::read(report[0], buffer, sizeof buffer - 1);
  ::close(report[0]);
  const std::string endpoints(buffer, n > 0 ? static_cast<size_t>(n) : 0);
  const size_t space = endpoints.find(' ');
  if (space == std::string::npos) {
    stop();
    throw std::runtime_error("the baseline broker did not start");
  }
  front_ = endpoints.substr(0, space);
  const std::string back = endpoints.substr(space + 1);
  for (int i = 0; i < workers; ++i) pids_.push_back(spawn([&] { run_worker(back, reply_bytes); }));
}

RelayProcesses::~RelayProcesses() { stop(); }

void RelayProcesses::stop() {
  for (pid_t pid : pids_) ::kill(pid, SIGKILL);
  for (pid_t pid : pids_) ::waitpid(pid, nullptr, 0);
  pids_.clear();
}

}  // namespace herd::bench
