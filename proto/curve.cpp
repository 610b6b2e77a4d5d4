#include "proto/curve.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace herd::wire {

namespace {

// Every event but MONITOR_STOPPED: with it, closing the reader before the
// watched socket blocks libzmq 4.3.4's reaper (NOTES-stack.md).
constexpr int kEvents = ZMQ_EVENT_ALL & ~ZMQ_EVENT_MONITOR_STOPPED;

std::string monitor_endpoint(const zmq::socket_t& socket) {
  return "inproc://herd-monitor-" + std::to_string(reinterpret_cast<uintptr_t>(socket.handle()));
}

}  // namespace

KeyPair KeyPair::generate() {
  char pub[41] = {}, sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    throw std::runtime_error(std::string("cannot make a CurveZMQ key pair: ") +
                             zmq_strerror(zmq_errno()));
  return {pub, sec};
}

void set_curve_client(zmq::socket_t& socket, const CurveKeys& keys) {
  if (!keys.enabled()) return;
  socket.set(zmq::sockopt::curve_serverkey, keys.server_public);
  socket.set(zmq::sockopt::curve_publickey, keys.public_key);
  socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
}

void set_curve_server(zmq::socket_t& socket, const std::string& server_secret,
                      const std::string& domain) {
  if (server_secret.empty()) return;
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, server_secret);
  socket.set(zmq::sockopt::zap_domain, domain);
}

ConnectionMonitor::ConnectionMonitor(zmq::context_t& context, zmq::socket_t& socket,
                                     std::string url, bool secure)
    : watched_(socket),
      reader_(context, zmq::socket_type::pair),
      url_(std::move(url)),
      secure_(secure) {
  const std::string endpoint = monitor_endpoint(socket);
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), kEvents) != 0) throw zmq::error_t();
  reader_.set(zmq::sockopt::linger, 0);
  reader_.connect(endpoint);
}

ConnectionMonitor::~ConnectionMonitor() {
  if (watched_.handle()) zmq_socket_monitor(watched_.handle(), nullptr, 0);
}

bool ConnectionMonitor::update() {
  const State before = state_;
  zmq::message_t event, address;
  while (reader_.recv(event, zmq::recv_flags::dontwait)) {
    if (event.more()) (void)reader_.recv(address, zmq::recv_flags::dontwait);
    if (event.size() < 6) continue;
    uint16_t id;
    uint32_t value;
    std::memcpy(&id, event.data(), sizeof id);
    std::memcpy(&value, static_cast<const char*>(event.data()) + 2, sizeof value);
    switch (id) {
      case ZMQ_EVENT_CONNECTED:
        // A failed handshake stays the explanation until one succeeds.
        if (state_ != State::kWrongServerKey && state_ != State::kRejectedKey &&
            state_ != State::kMechanismMismatch)
          state_ = State::kConnected;
        break;
      case ZMQ_EVENT_CONNECT_RETRIED:
        if (state_ == State::kConnecting || state_ == State::kDisconnected)
          state_ = State::kRefused;
        break;
      case ZMQ_EVENT_DISCONNECTED:
        if (state_ == State::kUp) state_ = State::kDisconnected;
        break;
      case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        state_ = State::kUp;
        ++handshakes_;
        failed_handshakes_ = 0;
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        ++failed_handshakes_;
        state_ = State::kRejectedKey;
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        ++failed_handshakes_;
        state_ = value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH ? State::kMechanismMismatch
                                                                     : State::kWrongServerKey;
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        // EPIPE: the controller hung up mid-handshake. A peer without keys
        // meets a secure controller; a peer with keys either holds the
        // wrong server key or meets an insecure controller (libzmq reports
        // that mismatch either way). Otherwise (EAGAIN) the peer stayed
        // silent: no answer.
        if (value == EPIPE || value == ECONNRESET) {
          ++failed_handshakes_;
          state_ = secure_ ? State::kWrongServerKey : State::kMechanismMismatch;
        }
        break;
      default:
        break;
    }
  }
  return state_ != before;
}

bool ConnectionMonitor::final() const {
  // A controller restarting mid-handshake fails one handshake, not several.
  constexpr uint64_t kWrongKeyFailures = 3;
  return state_ == State::kRejectedKey || state_ == State::kMechanismMismatch ||
         (state_ == State::kWrongServerKey && failed_handshakes_ >= kWrongKeyFailures);
}

std::string ConnectionMonitor::describe() const {
  switch (state_) {
    case State::kRefused:
      return "nothing listens at " + url_ + " (connection refused)";
    case State::kRejectedKey:
      return "the controller at " + url_ +
             " rejected this peer's key: the connection file is for another role or from "
             "another cluster";
    case State::kWrongServerKey:
      return "the handshake with " + url_ +
             " failed: the controller's key does not match the connection file (a stale file, "
             "or another cluster at that address), or the controller runs --insecure";
    case State::kMechanismMismatch:
      return secure_ ? "the controller at " + url_ +
                           " runs --insecure, and this peer's connection file has keys"
                     : "the controller at " + url_ +
                           " uses CurveZMQ keys and this peer has none: use its connection file "
                           "(client.json, engine.json), not a bare address; only an --insecure "
                           "controller takes those";
    case State::kUp:
    case State::kConnected:
    case State::kDisconnected:
    case State::kConnecting:
      break;
  }
  return "no answer from " + url_;
}

}  // namespace herd::wire
