#include "support/raw_peer.hpp"

#include <atomic>
#include <cstring>

#include "proto/curve.hpp"

namespace herd::test {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kHandshakeEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;

std::string monitor_address() {
  static std::atomic<int> next{0};
  return "inproc://raw-peer-monitor-" + std::to_string(next++);
}

RawPeer::Handshake from_event(uint16_t event) {
  switch (event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
      return RawPeer::Handshake::kSucceeded;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      return RawPeer::Handshake::kRejected;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      return RawPeer::Handshake::kMismatch;
    default:
      return RawPeer::Handshake::kFailed;
  }
}

std::chrono::milliseconds left(Clock::time_point deadline) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return ms.count() > 0 ? ms : std::chrono::milliseconds(0);
}

}  // namespace

RawPeer::RawPeer(const std::string& url, const CurveKeys& keys)
    : socket_(context_, zmq::socket_type::dealer), monitor_(context_, zmq::socket_type::pair) {
  socket_.set(zmq::sockopt::linger, 0);
  wire::set_curve_client(socket_, keys);
  // MONITOR_STOPPED stays out of the mask: with it, closing the reader
  // first hangs libzmq 4.3.4's reaper.
  const std::string address = monitor_address();
  zmq_socket_monitor(socket_.handle(), address.c_str(), kHandshakeEvents);
  monitor_.set(zmq::sockopt::linger, 0);
  monitor_.connect(address);
  socket_.connect(url);
}

RawPeer::~RawPeer() { zmq_socket_monitor(socket_.handle(), nullptr, 0); }

bool RawPeer::send(wire::Frames frames) { return wire::send(socket_, frames); }

bool RawPeer::send(const wire::Header& header) {
  wire::Frames f;
  f.push_back(wire::pack(header));
  return send(std::move(f));
}

std::optional<wire::Frames> RawPeer::receive(std::chrono::milliseconds timeout) {
  std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, timeout);
  wire::Frames frames;
  if (!wire::receive(socket_, frames)) return std::nullopt;
  return frames;
}

std::optional<wire::Header> RawPeer::receive_type(wire::Type type,
                                                  std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  do {
    auto frames = receive(left(deadline));
    if (!frames) return std::nullopt;
    wire::Header h;
    if (!frames->empty() && wire::unpack(frames->front(), h) && h.type() == type) return h;
  } while (Clock::now() < deadline);
  return std::nullopt;
}

RawPeer::Handshake RawPeer::wait_handshake(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (handshake_ == Handshake::kNone) {
    std::vector<zmq::pollitem_t> items = {{monitor_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, left(deadline));
    // An event is two frames: 2 bytes event, 4 bytes value; then the address.
    zmq::message_t event, address;
    if (!monitor_.recv(event, zmq::recv_flags::dontwait)) {
      if (Clock::now() >= deadline) break;
      continue;
    }
    (void)monitor_.recv(address);
    uint16_t id = 0;
    if (event.size() >= sizeof id) std::memcpy(&id, event.data(), sizeof id);
    handshake_ = from_event(id);
  }
  return handshake_;
}

const char* to_string(RawPeer::Handshake h) {
  switch (h) {
    case RawPeer::Handshake::kNone:
      return "no handshake";
    case RawPeer::Handshake::kSucceeded:
      return "handshake succeeded";
    case RawPeer::Handshake::kRejected:
      return "key rejected (ZAP 400)";
    case RawPeer::Handshake::kMismatch:
      return "mechanism or protocol mismatch";
    case RawPeer::Handshake::kFailed:
      return "handshake failed";
  }
  return "?";
}

wire::Header client_hello(uint64_t client, const std::string& token, uint32_t version) {
  wire::Header h;
  h.set_type(wire::HELLO);
  auto* hello = h.mutable_hello();
  hello->set_version(version);
  hello->set_role(wire::CLIENT);
  hello->set_host("raw-peer");
  hello->set_pid(1);
  hello->set_client(client);
  hello->set_token(token);
  return h;
}

wire::Header engine_hello(uint32_t version) {
  wire::Header h;
  h.set_type(wire::HELLO);
  auto* hello = h.mutable_hello();
  hello->set_version(version);
  hello->set_role(wire::ENGINE);
  hello->set_host("raw-peer");
  hello->set_pid(1);
  hello->set_cores(1);
  return h;
}

wire::Header task_header(uint64_t client, uint64_t seq, const std::string& name,
                         const std::string& signature) {
  wire::Header h;
  h.set_type(wire::TASK);
  h.set_client(client);
  h.set_seq(seq);
  h.set_task(name);
  h.set_signature(signature);
  h.set_attempt(1);
  return h;
}

}  // namespace herd::test
