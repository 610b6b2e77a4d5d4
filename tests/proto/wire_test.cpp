// The framing layer: headers pack and unpack, garbage is refused, large
// payloads move between zmq::message_t and herd::Bytes without copies, and
// multipart messages cross a socket whole.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>

#include "proto/wire.hpp"

namespace {

using herd::wire::Frames;
using herd::wire::Header;

Header sample_header() {
  Header h;
  h.set_type(herd::wire::TASK);
  h.set_client(0x0123456789abcdefULL);
  h.set_seq(42);
  h.set_task("add");
  h.set_signature("int(int, int)");
  h.set_retries(2);
  h.set_timeout_ms(500);
  h.set_attempt(1);
  return h;
}

TEST(WireTest, PackUnpackRoundTrip) {
  const Header h = sample_header();
  const zmq::message_t frame = herd::wire::pack(h);
  EXPECT_EQ(frame.size(), h.ByteSizeLong());
  Header back;
  ASSERT_TRUE(herd::wire::unpack(frame, back));
  EXPECT_EQ(back.type(), herd::wire::TASK);
  EXPECT_EQ(back.client(), 0x0123456789abcdefULL);
  EXPECT_EQ(back.seq(), 42u);
  EXPECT_EQ(back.task(), "add");
  EXPECT_EQ(back.signature(), "int(int, int)");
  EXPECT_EQ(back.retries(), 2u);
  EXPECT_EQ(back.timeout_ms(), 500u);
}

TEST(WireTest, EmptyFrameIsADefaultHeader) {
  // Proto3: an empty message is valid and every field has its default.
  Header back;
  ASSERT_TRUE(herd::wire::unpack(zmq::message_t(), back));
  EXPECT_EQ(back.type(), herd::wire::TYPE_UNSPECIFIED);
}

TEST(WireTest, GarbageIsRefused) {
  Header h;
  const char invalid_wire_type[] = "\xff\xff\xff\xff";
  EXPECT_FALSE(herd::wire::unpack(zmq::message_t(invalid_wire_type, 4), h));
  const char group_end[] = "\x0c";  // an end-group tag with no start
  EXPECT_FALSE(herd::wire::unpack(zmq::message_t(group_end, 1), h));
}

TEST(WireTest, TruncatedHeaderIsRefused) {
  Header back;
  // A string field whose last byte is missing.
  Header h;
  h.set_signature("int(int, int)");
  const zmq::message_t full = herd::wire::pack(h);
  EXPECT_FALSE(herd::wire::unpack(zmq::message_t(full.data(), full.size() - 1), back));
  // A fixed64 field (1 tag byte + 8 bytes) cut after 5 bytes.
  Header with_client;
  with_client.set_client(1);
  const zmq::message_t fixed = herd::wire::pack(with_client);
  ASSERT_EQ(fixed.size(), 9u);
  EXPECT_FALSE(herd::wire::unpack(zmq::message_t(fixed.data(), 5), back));
}

TEST(WireTest, ToBytesViewsTheFrameWithoutCopy) {
  zmq::message_t frame(1 << 20);
  std::memset(frame.data(), 'x', frame.size());
  const void* where = frame.data();
  const herd::Bytes b = herd::wire::to_bytes(std::move(frame));
  EXPECT_EQ(static_cast<const void*>(b.data()), where);
  EXPECT_EQ(b.size(), size_t{1} << 20);
  EXPECT_EQ(static_cast<char>(b.data()[123]), 'x');
}

TEST(WireTest, ToMessageHandsOverLargeBuffersWithoutCopy) {
  const herd::Bytes b(std::string(1 << 20, 'y'));
  const auto owners_before = b.owner().use_count();
  {
    zmq::message_t m = herd::wire::to_message(b);
    EXPECT_EQ(m.data(), static_cast<const void*>(b.data()));
    EXPECT_EQ(m.size(), b.size());
    EXPECT_EQ(b.owner().use_count(), owners_before + 1) << "the message keeps the buffer alive";
  }
  EXPECT_EQ(b.owner().use_count(), owners_before) << "the message released the buffer";
}

TEST(WireTest, ToMessageCopiesSmallBuffers) {
  const herd::Bytes b(std::string("small"));
  zmq::message_t m = herd::wire::to_message(b);
  EXPECT_EQ(m.to_string(), "small");
  EXPECT_EQ(b.owner().use_count(), 1);
}

TEST(WireTest, ToMessageOfEmptyBytes) {
  zmq::message_t m = herd::wire::to_message(herd::Bytes());
  EXPECT_EQ(m.size(), 0u);
}

TEST(WireTest, ReplyToCopiesTheTaskIdentity) {
  const Header reply = herd::wire::reply_to(sample_header(), herd::wire::RESULT);
  EXPECT_EQ(reply.type(), herd::wire::RESULT);
  EXPECT_EQ(reply.client(), 0x0123456789abcdefULL);
  EXPECT_EQ(reply.seq(), 42u);
  EXPECT_EQ(reply.attempt(), 1u);
  EXPECT_EQ(reply.task(), "");
}

TEST(WireTest, TaskIdFormat) {
  EXPECT_EQ(herd::wire::task_id(0x0123456789abcdefULL, 42), "0123456789abcdef-42");
  EXPECT_EQ(herd::wire::task_id(0, 0), "0000000000000000-0");
  EXPECT_NE(herd::wire::task_id(1, 2), herd::wire::task_id(1, 3));
}

TEST(WireTest, UnixNowIsRecent) {
  const double now = herd::wire::unix_now();
  EXPECT_GT(now, 1.7e9);  // after 2023
}

class WirePairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_.bind("inproc://wire-test");
    b_.connect("inproc://wire-test");
  }
  // Receives one message on b_, waiting at most 5 s.
  bool receive_b(Frames& frames) {
    std::vector<zmq::pollitem_t> items = {{b_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, std::chrono::milliseconds(5000));
    return herd::wire::receive(b_, frames);
  }

  zmq::context_t context_{1};
  zmq::socket_t a_{context_, zmq::socket_type::pair};
  zmq::socket_t b_{context_, zmq::socket_type::pair};
};

TEST_F(WirePairTest, ReceiveOnAnIdleSocketReturnsFalse) {
  Frames frames;
  EXPECT_FALSE(herd::wire::receive(b_, frames));
  EXPECT_TRUE(frames.empty());
}

TEST_F(WirePairTest, MultipartMessageArrivesWhole) {
  const std::string big(4 << 20, 'b');
  Frames out;
  out.push_back(herd::wire::pack(sample_header()));
  out.push_back(herd::wire::to_message(herd::Bytes(std::string("arg one"))));
  out.push_back(herd::wire::to_message(herd::Bytes(big)));
  out.push_back(zmq::message_t());
  ASSERT_TRUE(herd::wire::send(a_, out));

  Frames in;
  ASSERT_TRUE(receive_b(in));
  ASSERT_EQ(in.size(), 4u);
  Header h;
  ASSERT_TRUE(herd::wire::unpack(in[0], h));
  EXPECT_EQ(h.task(), "add");
  EXPECT_EQ(in[1].to_string(), "arg one");
  const herd::Bytes payload = herd::wire::to_bytes(std::move(in[2]));
  EXPECT_EQ(payload.size(), big.size());
  EXPECT_TRUE(payload.as_string_view() == big);
  EXPECT_EQ(in[3].size(), 0u);
}

TEST_F(WirePairTest, MessagesKeepTheirBoundaries) {
  for (int i = 0; i < 3; ++i) {
    Frames out;
    Header h;
    h.set_seq(static_cast<uint64_t>(i));
    out.push_back(herd::wire::pack(h));
    for (int j = 0; j < i; ++j) out.push_back(zmq::message_t(std::string(1, 'a')));
    ASSERT_TRUE(herd::wire::send(a_, out));
  }
  for (int i = 0; i < 3; ++i) {
    Frames in;
    ASSERT_TRUE(receive_b(in));
    ASSERT_EQ(in.size(), static_cast<size_t>(i + 1));
    Header h;
    ASSERT_TRUE(herd::wire::unpack(in[0], h));
    EXPECT_EQ(h.seq(), static_cast<uint64_t>(i));
  }
  Frames none;
  EXPECT_FALSE(herd::wire::receive(b_, none));
}

}  // namespace
