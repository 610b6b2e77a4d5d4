// The controller: one thread, one zmq::poll loop over a client-facing ROUTER,
// an engine-facing ROUTER and timers. It registers engines, queues tasks,
// dispatches them least-loaded first and routes results back.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace herd::controller {

struct ControllerOptions {
  std::string profile = "default";
  // Address to bind; "0.0.0.0" binds every interface.
  std::string ip = "127.0.0.1";
  // The host name or address the connection files advertise; empty: the
  // bound address, or this host's name when binding every interface.
  std::string location;
  // 0: reuse the ports in the profile's connection files if there are any, else ephemeral.
  uint16_t client_port = 0;
  uint16_t engine_port = 0;
  // Tasks outstanding per engine at most, a hard cap on prefetching (1: an
  // engine never holds a queue, as with ipyparallel's default).
  unsigned engine_hwm = 64;
  // How much expected work each engine is given ahead (see prefetch.hpp).
  std::chrono::microseconds prefetch{5000};
  std::chrono::milliseconds heartbeat_interval{1000};
  unsigned heartbeat_misses = 3;  // an engine silent this many intervals is lost
  // A message larger than this (one frame, or all of a peer's frames in
  // flight) drops the sender's connection instead of filling memory.
  size_t max_message_bytes = size_t{1} << 30;
  // A client silent this long is forgotten: its queued tasks are dropped,
  // its running ones finish without a result. Clients beat every second.
  std::chrono::milliseconds client_timeout{30'000};
  // How long a task to be retried after its engine was lost waits while no
  // engine at all is live (a supervisor restarting engines takes seconds)
  // before it fails with EngineLost.
  std::chrono::milliseconds retry_engine_wait{10'000};
  // How long a running task may ignore abort() before its engine is recycled.
  std::chrono::milliseconds cancel_grace{5000};
  // No CurveZMQ: anyone who reaches a port may submit tasks or pose as an
  // engine. The log, herd status and the ready line say so.
  bool insecure = false;
  // Task records (see task_records.hpp): delivered results kept for fetching
  // by id, the oldest going first beyond either limit.
  size_t max_results = 10'000;
  size_t max_result_bytes = size_t{256} << 20;
  // Lost engines listed in status; older ones are only counted.
  size_t lost_engines_listed = 20;
  // The `herd cluster start` supervisor that runs this controller (0: none);
  // written into the connection files so a client can tell a controller that
  // is being restarted from one that is gone.
  int64_t supervisor_pid = 0;
};

class Controller {
 public:
  // Creates or loads the profile's keys (unless insecure), binds both
  // sockets and writes the profile's client.json, engine.json and
  // supervisor.json.
  // Throws std::runtime_error with a message fit for a user on failure.
  explicit Controller(ControllerOptions options);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Serves until `stop` becomes true (checked at least every 100 ms).
  void run(const std::atomic<bool>& stop);
  // One turn of the loop: waits up to `wait` for messages, handles what came.
  void run_once(std::chrono::milliseconds wait);

  const std::string& client_url() const;
  const std::string& engine_url() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::controller
