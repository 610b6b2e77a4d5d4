// CurveZMQ for herd's sockets: key pairs, the client and server side of a
// socket's set-up, and a monitor that tells why a connection is not up.
// Encryption and authentication are on by default; an insecure cluster
// (--insecure) leaves every key empty and these calls do nothing.
#pragma once

#include <cstdint>
#include <string>
#include <zmq.hpp>

#include "herd/profile.hpp"

namespace herd::wire {

struct KeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;
  static KeyPair generate();
};

// Makes `socket` (before connect) a CURVE client of the controller whose
// public key `keys.server_public` names; nothing when keys are empty.
void set_curve_client(zmq::socket_t& socket, const CurveKeys& keys);
// Makes `socket` (before bind) a CURVE server with `server_secret`; its
// handshakes are checked by the ZAP handler with `domain` (which names the
// socket: "client" or "engine").
void set_curve_server(zmq::socket_t& socket, const std::string& server_secret,
                      const std::string& domain);

// Watches one connecting socket's events (from its own thread: the one that
// polls the socket) and explains, in one sentence, why it has no working
// connection to `url`.
class ConnectionMonitor {
 public:
  enum class State {
    kConnecting,         // nothing heard yet, or a connect still pending
    kRefused,            // TCP connection refused: nothing listens
    kConnected,          // TCP up, handshake not finished
    kUp,                 // handshake succeeded
    kDisconnected,       // was up, then lost
    kRejectedKey,        // the controller's ZAP handler refused our key
    kWrongServerKey,     // the handshake failed: the server key does not match
    kMechanismMismatch,  // one side secure, the other not
  };

  // `secure`: whether the socket presents CurveZMQ keys.
  ConnectionMonitor(zmq::context_t& context, zmq::socket_t& socket, std::string url, bool secure);
  // Stops the monitor before the reader closes (libzmq 4.3.4 hangs otherwise).
  ~ConnectionMonitor();
  ConnectionMonitor(const ConnectionMonitor&) = delete;
  ConnectionMonitor& operator=(const ConnectionMonitor&) = delete;

  // The socket to poll for ZMQ_POLLIN alongside the watched one.
  zmq::socket_t& events() { return reader_; }
  // Reads what events arrived; returns true if the state changed.
  bool update();
  State state() const { return state_; }
  // Whether the state can end only by a change of keys or configuration: a
  // rejected key, a security mismatch, or a server key that failed again
  // and again.
  bool final() const;
  // How often the socket connected and completed a handshake since start.
  uint64_t handshakes() const { return handshakes_; }
  // Handshakes that failed since the last one that succeeded.
  uint64_t failed_handshakes() const { return failed_handshakes_; }
  // A sentence naming `url` and the cause, for a ConnectionError.
  std::string describe() const;

 private:
  zmq::socket_t& watched_;
  zmq::socket_t reader_;
  std::string url_;
  const bool secure_;
  State state_ = State::kConnecting;
  uint64_t handshakes_ = 0;
  uint64_t failed_handshakes_ = 0;
};

}  // namespace herd::wire
