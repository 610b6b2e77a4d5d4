// The controller's ZAP handler (ZeroMQ RFC 27): during each CurveZMQ
// handshake libzmq asks it whether to admit the peer's public key. It admits
// only keys the controller issued, each on its own port: client and
// supervisor keys on the client port (domain "client"), engine keys on the
// engine port (domain "engine"). The key's role becomes the connection's
// User-Id, which the controller reads to tell a supervisor from a client.
//
// Runs on the controller's loop thread: its socket is polled with the others.
#pragma once

#include <zmq.hpp>

#include "controller/key_store.hpp"

namespace herd::controller {

inline constexpr const char* kClientDomain = "client";
inline constexpr const char* kEngineDomain = "engine";

class Authenticator {
 public:
  // Binds the context's ZAP endpoint; there is one per context.
  Authenticator(zmq::context_t& context, const KeyStore& keys);

  zmq::socket_t& socket() { return socket_; }
  // Answers every request waiting, without blocking.
  void answer_pending();

 private:
  zmq::socket_t socket_;
  const KeyStore& keys_;
};

}  // namespace herd::controller
