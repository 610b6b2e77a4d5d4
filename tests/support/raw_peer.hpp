// A bare ZeroMQ DEALER that speaks herd's wire protocol by hand, for tests
// of what a controller does with peers that are not herd's own client or
// engine: garbage, wrong versions, missing or foreign keys, another
// client's task ids. It watches its own handshakes, so a test can tell "the
// controller refused the connection" from "the message is still queued".
// Not thread-safe; one owner.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "herd/profile.hpp"
#include "proto/wire.hpp"

namespace herd::test {

class RawPeer {
 public:
  enum class Handshake {
    kNone,       // nothing yet (or no connection at all)
    kSucceeded,  // the controller accepted the security handshake
    kRejected,   // ZAP refused our key (HANDSHAKE_FAILED_AUTH, status 400)
    kMismatch,   // mechanism or protocol error: one side secure, the other not
    kFailed,     // failed without detail: e.g. the server key does not match
  };

  // Connects to `url`, as a CURVE client with `keys` when they are set (a
  // plain ZeroMQ peer otherwise).
  explicit RawPeer(const std::string& url, const CurveKeys& keys = {});
  ~RawPeer();
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;

  // Queues a message; false if it would block.
  bool send(wire::Frames frames);
  bool send(const wire::Header& header);
  // The next message, or nullopt if none comes within `timeout`.
  std::optional<wire::Frames> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The header of the next message of `type`, skipping others (heartbeats),
  // or nullopt if none comes within `timeout`.
  std::optional<wire::Header> receive_type(
      wire::Type type, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The first handshake outcome within `timeout` (kNone if none came).
  Handshake wait_handshake(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_;
  zmq::socket_t monitor_;
  Handshake handshake_ = Handshake::kNone;
};

const char* to_string(RawPeer::Handshake h);

// A client's HELLO with its public id and secret token.
wire::Header client_hello(uint64_t client, const std::string& token,
                          uint32_t version = wire::kProtocolVersion);
// An engine's HELLO as host "raw-peer", pid 1, offering no tasks.
wire::Header engine_hello(uint32_t version = wire::kProtocolVersion);
// A TASK header (client, seq) for `name` with `signature`, attempt 1.
wire::Header task_header(uint64_t client, uint64_t seq, const std::string& name,
                         const std::string& signature);

}  // namespace herd::test
