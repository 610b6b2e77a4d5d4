#include "controller/authenticator.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <vector>

namespace herd::controller {

namespace {

constexpr size_t kCurveKeyBytes = 32;

bool admits(const std::string& domain, KeyRole role) {
  if (domain == kEngineDomain) return role == KeyRole::kEngine;
  if (domain == kClientDomain) return role == KeyRole::kClient || role == KeyRole::kSupervisor;
  return false;
}

std::string z85(const zmq::message_t& key) {
  char text[41] = {};
  zmq_z85_encode(text, static_cast<const uint8_t*>(key.data()), kCurveKeyBytes);
  return text;
}

}  // namespace

Authenticator::Authenticator(zmq::context_t& context, const KeyStore& keys)
    : socket_(context, zmq::socket_type::rep), keys_(keys) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
}

void Authenticator::answer_pending() {
  for (;;) {
    // version, request id, domain, address, identity, mechanism, credentials
    std::vector<zmq::message_t> request;
    zmq::message_t part;
    if (!socket_.recv(part, zmq::recv_flags::dontwait)) return;
    request.push_back(std::move(part));
    while (request.back().more()) {
      if (!socket_.recv(part)) break;
      request.push_back(std::move(part));
    }
    std::string status = "400", text = "unknown key", user;
    if (request.size() >= 7 && request[5].to_string_view() == "CURVE" &&
        request[6].size() == kCurveKeyBytes) {
      const std::string domain(request[2].to_string_view());
      const std::optional<KeyRole> role = keys_.role_of(z85(request[6]));
      if (role && admits(domain, *role)) {
        status = "200";
        text = "OK";
        user = role_name(*role);
      } else {
        if (role) text = std::string("a ") + role_name(*role) + " key on the " + domain + " port";
        spdlog::warn("refused a connection to the {} port from {}: {}", domain,
                     request[3].to_string(), text);
      }
    }
    const std::string request_id = request.size() > 1 ? request[1].to_string() : "";
    for (const std::string& frame : {std::string("1.0"), request_id, status, text, user})
      socket_.send(zmq::buffer(frame), zmq::send_flags::sndmore);
    socket_.send(zmq::message_t(), zmq::send_flags::none);
  }
}

}  // namespace herd::controller
