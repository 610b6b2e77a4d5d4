#include "baseline.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <zmq.hpp>

#include "relay.hpp"
#include "stats.hpp"

namespace herd::bench {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kReplyTimeout = std::chrono::seconds(30);

// Below this a request is one copied frame; above, its sequence number and
// then the payload as a frame that shares one buffer, never copied (as
// herd's client sends a large herd::Bytes argument).
constexpr size_t kZeroCopyThreshold = 4096;

// Sends `count` requests with at most `window` outstanding and checks that
// each is answered once. Each request leads with its sequence number.
class Requester {
 public:
  Requester(zmq::socket_t& socket, size_t request_bytes)
      : socket_(socket),
        pattern_(std::make_shared<const std::string>(
            std::max<size_t>(request_bytes, sizeof(uint64_t)), 'x')) {}

  void exchange(size_t count, size_t window, std::vector<double>* latencies_us) {
    std::vector<Clock::time_point> sent_at(count);
    std::vector<bool> answered(count, false);
    size_t sent = 0, received = 0;
    std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    while (received < count) {
      for (; sent < count && sent - received < window; ++sent) {
        sent_at[sent] = Clock::now();
        send(sent);
      }
      if (zmq::poll(items, kReplyTimeout) == 0)
        throw std::runtime_error("baseline relay: no reply for 30 s (" + std::to_string(received) +
                                 " of " + std::to_string(count) + " answered)");
      zmq::message_t reply;
      while (socket_.recv(reply, zmq::recv_flags::dontwait)) {
        uint64_t seq = count;
        if (reply.size() >= sizeof seq) std::memcpy(&seq, reply.data(), sizeof seq);
        if (seq >= count || answered[seq])
          throw std::runtime_error("baseline relay: unexpected reply " + std::to_string(seq));
        answered[seq] = true;
        ++received;
        if (latencies_us) latencies_us->push_back(micros_since(sent_at[seq]));
      }
    }
  }

 private:
  void send(uint64_t seq) {
    if (pattern_->size() < kZeroCopyThreshold) {
      zmq::message_t request(pattern_->data(), pattern_->size());
      std::memcpy(request.data(), &seq, sizeof seq);
      (void)socket_.send(request, zmq::send_flags::none);
      return;
    }
    zmq::message_t head(&seq, sizeof seq);
    (void)socket_.send(head, zmq::send_flags::sndmore);
    auto* keep = new std::shared_ptr<const std::string>(pattern_);
    zmq::message_t payload(
        const_cast<char*>(pattern_->data()), pattern_->size(),
        [](void*, void* hint) { delete static_cast<std::shared_ptr<const std::string>*>(hint); },
        keep);
    (void)socket_.send(payload, zmq::send_flags::none);
  }

  zmq::socket_t& socket_;
  const std::shared_ptr<const std::string> pattern_;
};

}  // namespace

RelayRun run_relay(const RelayParams& params) {
  if (params.workers < 1 || params.window < 1)
    throw std::invalid_argument("baseline relay needs a worker and a window of at least 1");
  RelayProcesses relay(params.workers, params.reply_bytes);  // forks: before any context
  RelayRun run;
  run.params = params;
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::sndhwm, 0);
  socket.set(zmq::sockopt::rcvhwm, 0);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(relay.client_endpoint());
  Requester requester(socket, params.request_bytes);
  requester.exchange(params.warmup, 1, nullptr);  // connections up, caches warm
  run.latencies_us.reserve(params.count);
  run.cpu.add("client", {::getpid()});
  run.cpu.add("broker", {relay.broker_pid()});
  run.cpu.add("workers", relay.worker_pids());
  run.cpu.start();
  const auto t0 = Clock::now();
  requester.exchange(params.count, params.window, &run.latencies_us);
  run.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  run.cpu.stop();
  return run;
}

RelayRun median_relay_run(const RelayParams& params, size_t repeat) {
  std::vector<RelayRun> runs;
  for (size_t i = 0; i < std::max<size_t>(repeat, 1); ++i) runs.push_back(run_relay(params));
  std::sort(runs.begin(), runs.end(),
            [](const RelayRun& a, const RelayRun& b) { return a.per_second() < b.per_second(); });
  return std::move(runs[runs.size() / 2]);
}

}  // namespace herd::bench
