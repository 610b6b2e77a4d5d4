// Nothing a peer sends can crash the controller: raw ZeroMQ peers send it
// garbage, wrong versions, duplicates and undecodable arguments on both of
// its sockets, get an error back where a reply address exists, and the
// cluster keeps serving real clients. The peers hold the cluster's keys
// (client.json's on the client port, engine.json's on the engine port), and
// a client peer says HELLO with its client id and token before any TASK.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "herd/herd.hpp"
#include "proto/wire.hpp"
#include "support/cluster_suite.hpp"
#include "support/raw_peer.hpp"
#include "support/test_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using herd::test::client_hello;
using herd::test::engine_hello;
using herd::test::kResultWait;
using herd::test::RawPeer;
using herd::wire::Frames;
using herd::wire::Header;

Header task(uint64_t client, uint64_t seq, const std::string& name, const std::string& signature) {
  return herd::test::task_header(client, seq, name, signature);
}

class ProtocolTest : public herd::test::ClusterSuite<ProtocolTest, 1> {
 protected:
  void TearDown() override {
    // Whatever the test sent, the cluster still serves.
    if (HasFatalFailure()) return;
    EXPECT_EQ(lb().apply(test_tasks::add, 20, 22).get(kResultWait), 42) << "cluster broken";
    EXPECT_EQ(client().status().live_engines(), 1u);
  }
  // Raw peers with the cluster's keys: a client's on the client port, an
  // engine's on the engine port (anything else fails the handshake).
  static std::unique_ptr<RawPeer> client_peer() {
    const auto info = herd::read_connection_file(cluster().client_file());
    return std::make_unique<RawPeer>(info.url, info.curve);
  }
  static std::unique_ptr<RawPeer> engine_peer() {
    const auto info = herd::read_connection_file(cluster().engine_file());
    return std::make_unique<RawPeer>(info.url, info.curve);
  }
  // A client peer that said HELLO as `client` and was welcomed.
  static std::unique_ptr<RawPeer> welcomed_client(uint64_t client) {
    auto peer = client_peer();
    peer->send(client_hello(client, "token-" + std::to_string(client)));
    EXPECT_TRUE(peer->receive_type(herd::wire::WELCOME).has_value())
        << "no WELCOME: " << to_string(peer->wait_handshake(0ms));
    return peer;
  }
};

TEST_F(ProtocolTest, WrongProtocolVersionIsRefusedWithAReason) {
  auto peer = client_peer();
  peer->send(client_hello(0xabc, "token", herd::wire::kProtocolVersion + 100));
  const auto reply = peer->receive_type(herd::wire::REFUSED);
  ASSERT_TRUE(reply.has_value()) << "no REFUSED for a wrong version";
  EXPECT_NE(reply->error().message().find("version"), std::string::npos)
      << reply->error().message();
}

TEST_F(ProtocolTest, EngineWithWrongProtocolVersionIsRefused) {
  auto peer = engine_peer();
  peer->send(engine_hello(0));
  const auto reply = peer->receive_type(herd::wire::REFUSED);
  ASSERT_TRUE(reply.has_value());
  EXPECT_FALSE(reply->error().message().empty());
}

TEST_F(ProtocolTest, GarbageFromAClientIsAnsweredWithRefused) {
  auto peer = client_peer();
  Frames f;
  f.push_back(zmq::message_t(std::string("\xff\xff\xff\xff garbage", 12)));
  f.push_back(zmq::message_t(std::string("more")));
  peer->send(std::move(f));
  ASSERT_TRUE(peer->receive_type(herd::wire::REFUSED).has_value());
}

TEST_F(ProtocolTest, UnexpectedTypeFromAClientIsRefused) {
  auto peer = client_peer();
  Header h;
  h.set_type(herd::wire::WELCOME);
  peer->send(h);
  ASSERT_TRUE(peer->receive_type(herd::wire::REFUSED).has_value());
  peer->send(Header());  // an empty header: type 0
  ASSERT_TRUE(peer->receive_type(herd::wire::REFUSED).has_value());
}

TEST_F(ProtocolTest, GarbageFromAnEngineIsIgnored) {
  auto peer = engine_peer();
  Frames f;
  f.push_back(zmq::message_t(std::string("\xff\xff\xff", 3)));
  peer->send(std::move(f));
  Frames empty;
  empty.push_back(zmq::message_t());
  empty.push_back(zmq::message_t());
  peer->send(std::move(empty));
}

TEST_F(ProtocolTest, ResultFromAnUnregisteredEngineIsRefused) {
  auto peer = engine_peer();
  Header h;
  h.set_type(herd::wire::RESULT);
  h.set_client(1);
  h.set_seq(1);
  h.set_status(herd::wire::OK);
  peer->send(h);
  const auto reply = peer->receive_type(herd::wire::REFUSED);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->error().type(), "unregistered");
}

// The refusal names the task, so that its client may send it again to a
// controller that lost its session: a task refused unseen ran nowhere.
TEST_F(ProtocolTest, TaskBeforeHelloIsRefusedByName) {
  auto peer = client_peer();
  Frames f;
  f.push_back(herd::wire::pack(task(0xabc, 7, "add", "int(int, int)")));
  f.push_back(herd::wire::to_message(herd::encode_frame(1)));
  f.push_back(herd::wire::to_message(herd::encode_frame(2)));
  peer->send(std::move(f));
  auto refused = peer->receive_type(herd::wire::REFUSED);
  ASSERT_TRUE(refused.has_value()) << "a TASK from a client that never said HELLO";
  EXPECT_EQ(refused->error().type(), "no-session");
  EXPECT_EQ(refused->client(), 0xabcu);
  EXPECT_EQ(refused->seq(), 7u);
}

TEST_F(ProtocolTest, TaskWithMissingArgumentsFailsAsABadRequest) {
  auto peer = welcomed_client(0xabc);
  peer->send(task(0xabc, 1, "add", "int(int, int)"));  // no argument frames
  const auto result = peer->receive_type(herd::wire::RESULT, 30s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->seq(), 1u);
  EXPECT_NE(result->status(), herd::wire::OK);
  EXPECT_FALSE(result->error().message().empty());
}

TEST_F(ProtocolTest, TaskWithUndecodableArgumentsFailsAsABadRequest) {
  auto peer = welcomed_client(0xabc);
  Frames f;
  f.push_back(herd::wire::pack(task(0xabc, 2, "add", "int(int, int)")));
  f.push_back(zmq::message_t(std::string("x")));  // 1 byte where an int needs 4
  f.push_back(zmq::message_t(std::string("yyyyyyyyyy")));
  peer->send(std::move(f));
  const auto result = peer->receive_type(herd::wire::RESULT, 30s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status(), herd::wire::BAD_REQUEST);
}

TEST_F(ProtocolTest, DuplicateSubmissionGetsOneResult) {
  auto peer = welcomed_client(0xdef);
  for (int i = 0; i < 2; ++i) {
    Frames f;
    f.push_back(herd::wire::pack(task(0xdef, 7, "herd::sleep", "void(double)")));
    f.push_back(herd::wire::to_message(herd::encode_frame(0.5)));
    peer->send(std::move(f));
  }
  const auto first = peer->receive_type(herd::wire::RESULT, 30s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status(), herd::wire::OK);
  // A second result would come right after the first (one engine, 0.5 s task).
  EXPECT_FALSE(peer->receive_type(herd::wire::RESULT, 2000ms).has_value())
      << "a duplicated submission was run twice";
}

TEST_F(ProtocolTest, ResultsComeBackOnlyToTheirClient) {
  auto a = welcomed_client(0x111);
  auto b = welcomed_client(0x222);
  Frames f;
  f.push_back(herd::wire::pack(task(0x111, 1, "add", "int(int, int)")));
  f.push_back(herd::wire::to_message(herd::encode_frame(1)));
  f.push_back(herd::wire::to_message(herd::encode_frame(2)));
  a->send(std::move(f));
  auto frames = a->receive(30s);
  for (int i = 0; frames && i < 10; ++i) {  // skip anything but the result
    Header h;
    if (herd::wire::unpack(frames->front(), h) && h.type() == herd::wire::RESULT) break;
    frames = a->receive(30s);
  }
  ASSERT_TRUE(frames.has_value());
  ASSERT_EQ(frames->size(), 2u);
  EXPECT_EQ(herd::decode_frame<int>(herd::wire::to_bytes(std::move((*frames)[1]))), 3);
  EXPECT_FALSE(b->receive_type(herd::wire::RESULT, 500ms).has_value());
}

TEST_F(ProtocolTest, StatusRequestIsAnswered) {
  auto peer = welcomed_client(0x333);
  Header h;
  h.set_type(herd::wire::STATUS);
  h.set_request(77);
  peer->send(h);
  const auto reply = peer->receive_type(herd::wire::STATUS_REPLY);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->request(), 77u);
  EXPECT_EQ(reply->status_reply().engines_size(), 1);
  EXPECT_EQ(reply->status_reply().security(), "curve");
}

}  // namespace
