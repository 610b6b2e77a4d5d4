// The engine room of herd::Client: one I/O thread owns the DEALER socket to
// the controller. API threads hand it messages through a locked inbox and an
// eventfd doorbell; it sends them in batches, matches replies to pending
// results and notices a silent controller.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "herd/client.hpp"
#include "proto/wire.hpp"

namespace herd::detail {

class ClientCore : public std::enable_shared_from_this<ClientCore> {
 public:
  ClientCore(std::string url, ClientOptions options);
  ~ClientCore();
  ClientCore(const ClientCore&) = delete;
  ClientCore& operator=(const ClientCore&) = delete;

  void start();  // once, after the core is owned by a shared_ptr
  void stop();   // fails what is pending with ConnectionError

  std::vector<std::shared_ptr<ResultState>> submit(const std::string& name,
                                                   const std::string& signature,
                                                   const TaskOptions& options,
                                                   std::vector<TaskCall> calls);
  ClusterStatus status(std::chrono::milliseconds timeout);
  void abort(uint64_t seq);
  const std::string& url() const { return url_; }

 private:
  using StatusPromise = std::promise<ClusterStatus>;
  struct Outgoing {
    wire::Frames frames;
    std::shared_ptr<ResultState> result;         // set for tasks
    std::shared_ptr<StatusPromise> status;       // set for status requests
    uint64_t request = 0;
  };

  void post(std::vector<Outgoing> batch);
  void run();
  void drain_inbox();
  void send_or_hold(Outgoing&& out);
  void send_now(wire::Frames& frames);
  void on_message(wire::Frames& frames);
  void on_result(const wire::Header& header, wire::Frames& frames);
  void on_status_reply(const wire::Header& header);
  void on_timer();
  void send_hello();
  void send_control(wire::Type type, uint64_t request = 0);
  void fail_everything(const std::string& why);

  const std::string url_;
  const ClientOptions options_;
  const uint64_t client_key_;
  std::atomic<uint64_t> next_seq_{1};
  std::atomic<uint64_t> next_request_{1};

  zmq::context_t context_;
  zmq::socket_t socket_;
  int doorbell_ = -1;  // eventfd
  std::thread io_thread_;
  std::atomic<bool> stopping_{false};

  std::mutex inbox_mutex_;
  std::vector<Outgoing> inbox_;
  std::string refused_;  // set once the controller refused us; guarded by inbox_mutex_

  // I/O thread only.
  std::unordered_map<uint64_t, std::shared_ptr<ResultState>> pending_;
  std::unordered_map<uint64_t, std::shared_ptr<StatusPromise>> status_waiters_;
  std::vector<Outgoing> held_;  // sent once the controller welcomes us
  bool welcomed_ = false;
  std::chrono::steady_clock::time_point last_heard_, waiting_since_, last_beat_;
};

}  // namespace herd::detail
