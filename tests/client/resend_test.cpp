// What the client sends again when a controller that lost its session
// welcomes it. The real controller cannot be made to receive a task before
// the client's HELLO on demand (that needs the client's I/O thread to lose a
// race with ZeroMQ's), so a scripted controller plays that part here; the
// controller's own half, naming the refused task, is in protocol_test.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "herd/client.hpp"
#include "herd/codec.hpp"
#include "proto/wire.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
namespace wire = herd::wire;

struct Received {
  std::string rid;
  wire::Header header;
};

// A ROUTER on a fixed address that answers only what a test tells it to.
class ScriptedController {
 public:
  explicit ScriptedController(const std::string& url)
      : socket_(context_, zmq::socket_type::router) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind(url);
  }

  std::string url() const { return socket_.get(zmq::sockopt::last_endpoint); }

  // The next message of `type`, skipping others (heartbeats), or nullopt.
  std::optional<Received> expect(wire::Type type, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (int i = 0; i < 10'000 && std::chrono::steady_clock::now() < deadline; ++i) {
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, 50ms) == 0) continue;
      wire::Frames frames;
      if (!wire::receive(socket_, frames) || frames.size() < 2) continue;
      wire::Header header;
      if (!wire::unpack(frames[1], header) || header.type() != type) continue;
      return Received{frames[0].to_string(), header};
    }
    return std::nullopt;
  }

  void welcome(const Received& hello, uint64_t instance) {
    wire::Header h;
    h.set_type(wire::WELCOME);
    h.set_instance(instance);
    h.set_live_engines(1);
    h.mutable_welcome()->set_heartbeat_ms(1000);
    send(hello.rid, h);
  }

  // What a controller answers to a TASK that came before its client's HELLO.
  void refuse_unseen(const Received& task) {
    wire::Header h;
    h.set_type(wire::REFUSED);
    h.set_client(task.header.client());
    h.set_seq(task.header.seq());
    h.mutable_error()->set_type("no-session");
    send(task.rid, h);
  }

  void answer(const Received& task, const std::string& value) {
    wire::Header h = wire::reply_to(task.header, wire::RESULT);
    h.set_status(wire::OK);
    herd::Writer w;
    herd::encode_into(w, value);
    send(task.rid, h, std::move(w).finish());
  }

 private:
  void send(const std::string& rid, const wire::Header& header, herd::Bytes payload = {}) {
    wire::Frames frames;
    frames.emplace_back(rid.data(), rid.size());
    frames.push_back(wire::pack(header));
    if (payload.size() > 0) frames.push_back(wire::to_message(std::move(payload)));
    ASSERT_TRUE(wire::send(socket_, frames));
  }

  zmq::context_t context_{1};
  zmq::socket_t socket_;
};

// The first controller took one task and refused another unseen; a new one
// at the same address, which never knew the client, welcomes it. The task
// taken may have run, so it fails; the one refused unseen ran nowhere, so it
// goes to the new controller and gets its answer.
TEST(ResendTest, ATaskRefusedUnseenGoesAgainToAControllerThatLostTheSession) {
  std::string url;
  herd::ClientOptions options;
  options.connection_timeout = 30s;
  std::optional<herd::Client> client;
  std::optional<herd::AsyncResult<std::string>> taken, refused;
  uint64_t refused_seq = 0;
  {
    ScriptedController first("tcp://127.0.0.1:0");
    url = first.url();
    client.emplace(herd::Client::connect(url, options));
    auto hello = first.expect(wire::HELLO);
    ASSERT_TRUE(hello);
    first.welcome(*hello, 1);

    auto lb = client->load_balanced_view();
    taken.emplace(lb.apply(test_tasks::echo, std::string("taken")));
    ASSERT_TRUE(first.expect(wire::TASK));
    refused.emplace(lb.apply(test_tasks::echo, std::string("refused")));
    auto task = first.expect(wire::TASK);
    ASSERT_TRUE(task);
    refused_seq = task->header.seq();
    first.refuse_unseen(*task);
    EXPECT_FALSE(refused->ready());
  }  // the first controller is gone; the client reconnects to the second

  ScriptedController second(url);
  auto hello = second.expect(wire::HELLO, 10s);
  ASSERT_TRUE(hello);
  second.welcome(*hello, 2);
  EXPECT_THROW((void)taken->get(5s), herd::ConnectionError);
  auto again = second.expect(wire::TASK);
  ASSERT_TRUE(again) << "the task refused unseen was not sent again";
  EXPECT_EQ(again->header.seq(), refused_seq);
  second.answer(*again, "refused");
  EXPECT_EQ(refused->get(5s), "refused");
  EXPECT_FALSE(second.expect(wire::TASK, 300ms)) << "a task went twice";
}

}  // namespace
