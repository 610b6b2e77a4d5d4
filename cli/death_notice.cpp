#include "death_notice.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <zmq.hpp>

#include "herd/profile.hpp"
#include "proto/curve.hpp"
#include "proto/wire.hpp"

namespace herd::cli {

namespace {

// How long closing waits for notices still queued; a supervisor that stops
// must not hang on a controller that is gone.
constexpr std::chrono::milliseconds kLinger{200};

// As the engine reports it in its HELLO, so the controller can match them.
std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

}  // namespace

struct DeathNotice::Connection {
  explicit Connection(const herd::ConnectionInfo& info)
      : socket(context, zmq::socket_type::dealer) {
    socket.set(zmq::sockopt::linger, static_cast<int>(kLinger.count()));
    wire::set_curve_client(socket, info.curve);
    socket.connect(info.url);
  }

  zmq::context_t context{1};
  zmq::socket_t socket;  // destroyed before the context
  const std::string host = host_name();
};

DeathNotice::DeathNotice(std::filesystem::path connection_file)
    : connection_file_(std::move(connection_file)) {}

DeathNotice::~DeathNotice() = default;

void DeathNotice::connect() {
  if (connection_) return;
  try {
    const auto info = herd::read_connection_file(connection_file_);
    connection_ = std::make_unique<Connection>(info);
    spdlog::debug("engine deaths are reported to the controller at {}", info.url);
  } catch (const std::exception& e) {
    spdlog::warn(
        "cannot connect to report engine deaths ({}); the controller's heartbeats will "
        "notice them",
        e.what());
  }
}

void DeathNotice::send(pid_t pid, const std::string& how) {
  connect();
  if (!connection_) return;
  wire::Header header;
  header.set_type(wire::ENGINE_DIED);
  header.mutable_hello()->set_version(wire::kProtocolVersion);
  header.mutable_hello()->set_role(wire::ENGINE);
  header.mutable_hello()->set_host(connection_->host);
  header.mutable_hello()->set_pid(pid);
  header.mutable_error()->set_message(how);
  try {
    if (!connection_->socket.send(wire::pack(header), zmq::send_flags::dontwait))
      spdlog::warn("the death of engine pid {} was not reported: the controller's queue is full",
                   pid);
  } catch (const zmq::error_t& e) {
    spdlog::warn("the death of engine pid {} was not reported: {}", pid, e.what());
  }
}

}  // namespace herd::cli
