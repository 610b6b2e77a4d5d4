// The processes of the raw-ZeroMQ relay that herd is measured against: a
// single-threaded broker (ROUTER for clients, ROUTER for workers) in a
// process of its own, and N worker processes (DEALER) that answer every
// request. The same transport and the same hops as herd's controller and
// engines, with nothing else.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace herd::bench {

class RelayProcesses {
 public:
  // Forks the broker and `workers` workers. Must run while this process has
  // no ZeroMQ context (a forked child must not inherit one). Each worker
  // answers a request with the first 8 bytes of its first frame padded to
  // `reply_bytes` (at least 8). Throws std::runtime_error if a helper cannot start.
  RelayProcesses(int workers, size_t reply_bytes);
  // Kills and reaps the helpers.
  ~RelayProcesses();
  RelayProcesses(const RelayProcesses&) = delete;
  RelayProcesses& operator=(const RelayProcesses&) = delete;

  // Where clients connect (tcp://127.0.0.1:port). The broker holds requests
  // until every worker has said it is ready.
  const std::string& client_endpoint() const { return front_; }
  pid_t broker_pid() const { return pids_.front(); }
  std::vector<pid_t> worker_pids() const { return {pids_.begin() + 1, pids_.end()}; }

 private:
  void stop();

  std::string front_;
  std::vector<pid_t> pids_;
};

}  // namespace herd::bench
