// Nothing a peer sends can crash the controller: raw ZeroMQ peers send it
// garbage, wrong versions, duplicates and undecodable arguments on both of
// its sockets, get an error back where a reply address exists, and the
// cluster keeps serving real clients.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "herd/herd.hpp"
#include "proto/wire.hpp"
#include "support/cluster_suite.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::kResultWait;
using herd::wire::Frames;
using herd::wire::Header;

// A bare DEALER, speaking the wire protocol by hand.
class RawPeer {
 public:
  explicit RawPeer(const std::string& url) : socket_(context_, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(url);
  }
  void send(Frames frames) { ASSERT_TRUE(herd::wire::send(socket_, frames)); }
  void send(const Header& h) {
    Frames f;
    f.push_back(herd::wire::pack(h));
    send(std::move(f));
  }
  // The next message, or nullopt if none comes within `timeout`.
  std::optional<Frames> receive(std::chrono::milliseconds timeout = 5000ms) {
    std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, timeout);
    Frames frames;
    if (!herd::wire::receive(socket_, frames)) return std::nullopt;
    return frames;
  }
  // The header of the next message of `type`, skipping others (heartbeats).
  std::optional<Header> receive_type(herd::wire::Type type, std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto frames = receive(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!frames) return std::nullopt;
      Header h;
      if (!frames->empty() && herd::wire::unpack(frames->front(), h) && h.type() == type) return h;
    }
    return std::nullopt;
  }

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_;
};

Header hello(herd::wire::Role role, uint32_t version = herd::wire::kProtocolVersion) {
  Header h;
  h.set_type(herd::wire::HELLO);
  h.mutable_hello()->set_version(version);
  h.mutable_hello()->set_role(role);
  h.mutable_hello()->set_host("raw-peer");
  h.mutable_hello()->set_pid(1);
  return h;
}

Header task(uint64_t client, uint64_t seq, const std::string& name, const std::string& signature) {
  Header h;
  h.set_type(herd::wire::TASK);
  h.set_client(client);
  h.set_seq(seq);
  h.set_task(name);
  h.set_signature(signature);
  h.set_attempt(1);
  return h;
}

class ProtocolTest : public herd::test::ClusterSuite<ProtocolTest, 1> {
 protected:
  void TearDown() override {
    // Whatever the test sent, the cluster still serves.
    if (HasFatalFailure()) return;
    EXPECT_EQ(lb().apply(test_tasks::add, 20, 22).get(kResultWait), 42) << "cluster broken";
    EXPECT_EQ(client().status().live_engines(), 1u);
  }
  static std::string client_url() { return client().status().client_url; }
  static std::string engine_url() { return client().status().engine_url; }
};

TEST_F(ProtocolTest, WrongProtocolVersionIsRefusedWithAReason) {
  RawPeer peer(client_url());
  peer.send(hello(herd::wire::CLIENT, herd::wire::kProtocolVersion + 100));
  const auto reply = peer.receive_type(herd::wire::REFUSED);
  ASSERT_TRUE(reply.has_value()) << "no REFUSED for a wrong version";
  EXPECT_NE(reply->error().message().find("version"), std::string::npos) << reply->error().message();
}

TEST_F(ProtocolTest, EngineWithWrongProtocolVersionIsRefused) {
  RawPeer peer(engine_url());
  peer.send(hello(herd::wire::ENGINE, 0));
  const auto reply = peer.receive_type(herd::wire::REFUSED);
  ASSERT_TRUE(reply.has_value());
  EXPECT_FALSE(reply->error().message().empty());
}

TEST_F(ProtocolTest, GarbageFromAClientIsAnsweredWithRefused) {
  RawPeer peer(client_url());
  Frames f;
  f.push_back(zmq::message_t(std::string("\xff\xff\xff\xff garbage", 12)));
  f.push_back(zmq::message_t(std::string("more")));
  peer.send(std::move(f));
  ASSERT_TRUE(peer.receive_type(herd::wire::REFUSED).has_value());
}

TEST_F(ProtocolTest, UnexpectedTypeFromAClientIsRefused) {
  RawPeer peer(client_url());
  Header h;
  h.set_type(herd::wire::WELCOME);
  peer.send(h);
  ASSERT_TRUE(peer.receive_type(herd::wire::REFUSED).has_value());
  peer.send(Header());  // an empty header: type 0
  ASSERT_TRUE(peer.receive_type(herd::wire::REFUSED).has_value());
}

TEST_F(ProtocolTest, GarbageFromAnEngineIsIgnored) {
  RawPeer peer(engine_url());
  Frames f;
  f.push_back(zmq::message_t(std::string("\xff\xff\xff", 3)));
  peer.send(std::move(f));
  Frames empty;
  empty.push_back(zmq::message_t());
  empty.push_back(zmq::message_t());
  peer.send(std::move(empty));
}

TEST_F(ProtocolTest, ResultFromAnUnregisteredEngineIsRefused) {
  RawPeer peer(engine_url());
  Header h;
  h.set_type(herd::wire::RESULT);
  h.set_client(1);
  h.set_seq(1);
  h.set_status(herd::wire::OK);
  peer.send(h);
  const auto reply = peer.receive_type(herd::wire::REFUSED);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->error().type(), "unregistered");
}

TEST_F(ProtocolTest, TaskWithMissingArgumentsFailsAsABadRequest) {
  RawPeer peer(client_url());
  peer.send(hello(herd::wire::CLIENT));
  ASSERT_TRUE(peer.receive_type(herd::wire::WELCOME).has_value());
  peer.send(task(0xabc, 1, "add", "int(int, int)"));  // no argument frames
  const auto result = peer.receive_type(herd::wire::RESULT, 30s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->seq(), 1u);
  EXPECT_NE(result->status(), herd::wire::OK);
  EXPECT_FALSE(result->error().message().empty());
}

TEST_F(ProtocolTest, TaskWithUndecodableArgumentsFailsAsABadRequest) {
  RawPeer peer(client_url());
  peer.send(hello(herd::wire::CLIENT));
  ASSERT_TRUE(peer.receive_type(herd::wire::WELCOME).has_value());
  Frames f;
  f.push_back(herd::wire::pack(task(0xabc, 2, "add", "int(int, int)")));
  f.push_back(zmq::message_t(std::string("x")));  // 1 byte where an int needs 4
  f.push_back(zmq::message_t(std::string("yyyyyyyyyy")));
  peer.send(std::move(f));
  const auto result = peer.receive_type(herd::wire::RESULT, 30s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status(), herd::wire::BAD_REQUEST);
}

TEST_F(ProtocolTest, DuplicateSubmissionGetsOneResult) {
  RawPeer peer(client_url());
  peer.send(hello(herd::wire::CLIENT));
  ASSERT_TRUE(peer.receive_type(herd::wire::WELCOME).has_value());
  for (int i = 0; i < 2; ++i) {
    Frames f;
    f.push_back(herd::wire::pack(task(0xdef, 7, "herd::sleep", "void(double)")));
    f.push_back(herd::wire::to_message(herd::encode_frame(0.5)));
    peer.send(std::move(f));
  }
  const auto first = peer.receive_type(herd::wire::RESULT, 30s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status(), herd::wire::OK);
  // A second result would come right after the first (one engine, 0.5 s task).
  EXPECT_FALSE(peer.receive_type(herd::wire::RESULT, 2000ms).has_value())
      << "a duplicated submission was run twice";
}

TEST_F(ProtocolTest, ResultsComeBackOnlyToTheirClient) {
  RawPeer a(client_url()), b(client_url());
  a.send(hello(herd::wire::CLIENT));
  b.send(hello(herd::wire::CLIENT));
  ASSERT_TRUE(a.receive_type(herd::wire::WELCOME).has_value());
  ASSERT_TRUE(b.receive_type(herd::wire::WELCOME).has_value());
  Frames f;
  f.push_back(herd::wire::pack(task(0x111, 1, "add", "int(int, int)")));
  f.push_back(herd::wire::to_message(herd::encode_frame(1)));
  f.push_back(herd::wire::to_message(herd::encode_frame(2)));
  a.send(std::move(f));
  auto frames = a.receive(30s);
  for (int i = 0; frames && i < 10; ++i) {  // skip anything but the result
    Header h;
    if (herd::wire::unpack(frames->front(), h) && h.type() == herd::wire::RESULT) break;
    frames = a.receive(30s);
  }
  ASSERT_TRUE(frames.has_value());
  ASSERT_EQ(frames->size(), 2u);
  EXPECT_EQ(herd::decode_frame<int>(herd::wire::to_bytes(std::move((*frames)[1]))), 3);
  EXPECT_FALSE(b.receive_type(herd::wire::RESULT, 500ms).has_value());
}

TEST_F(ProtocolTest, StatusRequestIsAnswered) {
  RawPeer peer(client_url());
  Header h;
  h.set_type(herd::wire::STATUS);
  h.set_request(77);
  peer.send(h);
  const auto reply = peer.receive_type(herd::wire::STATUS_REPLY);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->request(), 77u);
  EXPECT_EQ(reply->status_reply().engines_size(), 1);
}

}  // namespace
