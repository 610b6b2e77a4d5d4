// Requests from the cluster's operator tools (`herd cluster engines`,
// `herd cluster reload`) to the controller that change the engine set:
// RETIRE and ENGINES_COMING. They go to the client port with the
// supervisor's key (supervisor.json), the only key the controller takes
// them from; one request at a time, each answered or refused.
//
// Not thread-safe. Owns a ZeroMQ context: in a process that daemonizes,
// destroy it before the fork or create it after.
#pragma once

#include <chrono>
#include <filesystem>
#include <zmq.hpp>

#include "herd.pb.h"

namespace herd::cli {

class ControllerLink {
 public:
  // Throws herd::ConnectionError if the connection file is unusable.
  explicit ControllerLink(const std::filesystem::path& connection_file);

  // Sends `request` (numbering it) and returns the controller's answer, a
  // message of the same type. Throws herd::Error with the controller's own
  // words when it refuses, herd::ConnectionError when it does not answer
  // within `timeout`.
  wire::Header request(wire::Header request, std::chrono::milliseconds timeout);

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_;  // destroyed before the context
  std::string url_;
  uint64_t next_request_ = 1;
};

}  // namespace herd::cli
