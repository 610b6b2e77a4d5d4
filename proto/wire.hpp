// The framing layer shared by controller, engine and client: a message is a
// Header frame followed by payload frames. Payload frames move between
// sockets as zmq::message_t and convert to herd::Bytes without copying.
#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "herd.pb.h"
#include "herd/bytes.hpp"

namespace herd::wire {

// Bumped whenever a change to herd.proto or the framing breaks old peers.
inline constexpr uint32_t kProtocolVersion = 3;

// Messages larger than this (all frames together) are refused unread.
inline constexpr size_t kDefaultMaxMessageBytes = size_t{1} << 30;

using Frames = std::vector<zmq::message_t>;

// A Header, or another message of herd.proto (an Output), as one frame.
zmq::message_t pack(const google::protobuf::MessageLite& message);
// False if the frame is not a valid message of that type.
bool unpack(const zmq::message_t& frame, google::protobuf::MessageLite& message);

// Receives one whole multipart message; false if none waits (or none came
// within the socket's receive timeout, with `first` = none). Throws
// zmq::error_t on other errors, EINTR among them.
bool receive(zmq::socket_t& socket, Frames& frames,
             zmq::recv_flags first = zmq::recv_flags::dontwait);
// Sends all frames as one message; false if the socket would block (the
// frames are then left unsent). Throws zmq::error_t on other errors.
bool send(zmq::socket_t& socket, Frames& frames);

// A received frame as Bytes, sharing the frame's buffer.
Bytes to_bytes(zmq::message_t&& frame);
// Bytes as a frame; large buffers are handed over without copying.
zmq::message_t to_message(Bytes bytes);

// A header of `type` with the task identity copied from `task`.
Header reply_to(const Header& task, Type type);
std::string task_id(uint64_t client, uint64_t seq);
// The inverse of task_id(); false if `id` is not one (a map item's id, say).
bool parse_task_id(const std::string& id, uint64_t& client, uint64_t& seq);

double unix_now();

}  // namespace herd::wire
