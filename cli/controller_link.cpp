#include "controller_link.hpp"

#include "herd/error.hpp"
#include "herd/profile.hpp"
#include "proto/curve.hpp"
#include "proto/wire.hpp"

namespace herd::cli {

using Clock = std::chrono::steady_clock;

ControllerLink::ControllerLink(const std::filesystem::path& connection_file)
    : socket_(context_, zmq::socket_type::dealer) {
  const auto info = herd::read_connection_file(connection_file);
  url_ = info.url;
  socket_.set(zmq::sockopt::linger, 0);
  wire::set_curve_client(socket_, info.curve);
  socket_.connect(url_);
}

wire::Header ControllerLink::request(wire::Header request, std::chrono::milliseconds timeout) {
  const uint64_t id = next_request_++;
  request.set_request(id);
  wire::Frames out;
  out.push_back(wire::pack(request));
  wire::send(socket_, out);
  const auto deadline = Clock::now() + timeout;
  std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  wire::Frames in;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      throw herd::ConnectionError("the controller at " + url_ + " did not answer within " +
                                  std::to_string(timeout.count()) + " ms");
    zmq::poll(items, left);
    while (wire::receive(socket_, in)) {
      wire::Header answer;
      if (in.empty() || !wire::unpack(in[0], answer)) continue;
      if (answer.type() == wire::REFUSED) throw herd::Error(answer.error().message());
      if (answer.type() == request.type() && answer.request() == id) return answer;
    }
  }
}

}  // namespace herd::cli
