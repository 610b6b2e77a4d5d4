#include "baseline.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "stats.hpp"

namespace herd::bench {

namespace {

// Relays client requests to the worker and replies back, prefixing the
// client's routing id the way herd's controller does.
[[noreturn]] void run_broker(int report_fd) {
  zmq::context_t ctx(1);
  zmq::socket_t clients(ctx, zmq::socket_type::router), workers(ctx, zmq::socket_type::router);
  clients.bind("tcp://127.0.0.1:*");
  workers.bind("tcp://127.0.0.1:*");
  const std::string endpoints = clients.get(zmq::sockopt::last_endpoint) + " " +
                                workers.get(zmq::sockopt::last_endpoint);
  (void)!::write(report_fd, endpoints.data(), endpoints.size());
  ::close(report_fd);
  std::string worker_id;
  std::vector<zmq::pollitem_t> items = {{clients.handle(), 0, ZMQ_POLLIN, 0},
                                        {workers.handle(), 0, ZMQ_POLLIN, 0}};
  for (;;) {
    zmq::poll(items, std::chrono::milliseconds(-1));
    std::vector<zmq::message_t> m;
    if (items[1].revents & ZMQ_POLLIN) {
      (void)zmq::recv_multipart(workers, std::back_inserter(m));
      if (worker_id.empty()) worker_id = m[0].to_string();
      if (m.size() > 2) {  // [worker][client][payload] -> [client][payload]
        m.erase(m.begin());
        zmq::send_multipart(clients, m);
      }
    }
    m.clear();
    if ((items[0].revents & ZMQ_POLLIN) && !worker_id.empty()) {
      (void)zmq::recv_multipart(clients, std::back_inserter(m));
      m.insert(m.begin(), zmq::message_t(worker_id.data(), worker_id.size()));
      zmq::send_multipart(workers, m);
    }
  }
}

[[noreturn]] void run_worker(const std::string& back) {
  zmq::context_t ctx(1);
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.connect(back);
  s.send(zmq::str_buffer("ready"), zmq::send_flags::none);
  for (;;) {
    std::vector<zmq::message_t> m;
    (void)zmq::recv_multipart(s, std::back_inserter(m));
    zmq::send_multipart(s, m);  // echo [client][payload]
  }
}

}  // namespace

std::vector<double> baseline_round_trips(int count) {
  // Both helpers are forked before this process makes any ZeroMQ context. The
  // broker binds ephemeral ports on 127.0.0.1, as herd's controller does, and
  // reports them through a pipe.
  int ports[2];
  if (::pipe(ports) != 0) return {};
  const pid_t broker = ::fork();
  if (broker == 0) {
    ::close(ports[0]);
    run_broker(ports[1]);
  }
  ::close(ports[1]);
  char buffer[256] = {};
  const ssize_t n = ::read(ports[0], buffer, sizeof buffer - 1);
  ::close(ports[0]);
  const std::string endpoints(buffer, n > 0 ? static_cast<size_t>(n) : 0);
  const std::string front = endpoints.substr(0, endpoints.find(' '));
  const std::string back = endpoints.substr(endpoints.find(' ') + 1);
  const pid_t worker = ::fork();
  if (worker == 0) run_worker(back);
  std::vector<double> samples;
  {
    zmq::context_t ctx(1);
    zmq::socket_t client(ctx, zmq::socket_type::dealer);
    client.set(zmq::sockopt::linger, 0);
    client.connect(front);
    const std::string payload(16, 'x');
    samples.reserve(static_cast<size_t>(count));
    for (int i = -100; i < count; ++i) {  // the first 100 warm up the connections
      const auto t0 = std::chrono::steady_clock::now();
      client.send(zmq::buffer(payload), zmq::send_flags::none);
      zmq::message_t reply;
      (void)client.recv(reply, zmq::recv_flags::none);
      if (i >= 0) samples.push_back(micros_since(t0));
    }
  }
  ::kill(broker, SIGKILL);
  ::kill(worker, SIGKILL);
  ::waitpid(broker, nullptr, 0);
  ::waitpid(worker, nullptr, 0);
  return samples;
}

}  // namespace herd::bench
