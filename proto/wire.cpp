#include "proto/wire.hpp"

#include <chrono>
#include <cstdio>

namespace herd::wire {

namespace {
// Below this a copy is cheaper than the bookkeeping of a zero-copy hand-over.
constexpr size_t kZeroCopyThreshold = 4096;

// ThreadSanitizer cannot see the ordering libzmq (not instrumented) gives a
// frame that one thread sends and another receives over inproc (the
// engine's main and task threads): to it, the receiver reads bytes the
// sender wrote with nothing in between. These tell it of each hand-over,
// keyed by the frame's buffer; without TSan they do nothing.
#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
void handing_over(zmq::message_t& frame) { __tsan_release(frame.data()); }
void handed_over(zmq::message_t& frame) { __tsan_acquire(frame.data()); }
#else
void handing_over(zmq::message_t&) {}
void handed_over(zmq::message_t&) {}
#endif
}  // namespace

zmq::message_t pack(const google::protobuf::MessageLite& message) {
  zmq::message_t frame(message.ByteSizeLong());
  message.SerializeWithCachedSizesToArray(frame.data<uint8_t>());
  return frame;
}

bool unpack(const zmq::message_t& frame, google::protobuf::MessageLite& message) {
  return frame.size() <= static_cast<size_t>(INT32_MAX) &&
         message.ParseFromArray(frame.data(), static_cast<int>(frame.size()));
}

bool receive(zmq::socket_t& socket, Frames& frames, zmq::recv_flags first) {
  frames.clear();
  zmq::message_t frame;
  if (!socket.recv(frame, first)) return false;
  bool more = frame.more();
  handed_over(frame);
  frames.push_back(std::move(frame));
  while (more) {
    zmq::message_t next;
    (void)socket.recv(next, zmq::recv_flags::none);  // the rest of a message is already here
    more = next.more();
    handed_over(next);
    frames.push_back(std::move(next));
  }
  return true;
}

bool send(zmq::socket_t& socket, Frames& frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    const bool last = i + 1 == frames.size();
    auto flags =
        last ? zmq::send_flags::dontwait : zmq::send_flags::sndmore | zmq::send_flags::dontwait;
    handing_over(frames[i]);
    if (!socket.send(frames[i], flags)) {
      // Only the first frame can fail to go out; the rest of a started message always does.
      return false;
    }
  }
  return true;
}

Bytes to_bytes(zmq::message_t&& frame) {
  auto owner = std::make_shared<zmq::message_t>(std::move(frame));
  const auto* data = owner->data<std::byte>();
  const size_t size = owner->size();
  return Bytes::view(std::move(owner), data, size);
}

zmq::message_t to_message(Bytes bytes) {
  if (bytes.size() < kZeroCopyThreshold) return zmq::message_t(bytes.data(), bytes.size());
  auto* keep = new Bytes(std::move(bytes));
  return zmq::message_t(
      const_cast<std::byte*>(keep->data()), keep->size(),
      [](void*, void* hint) { delete static_cast<Bytes*>(hint); }, keep);
}

Header reply_to(const Header& task, Type type) {
  Header reply;
  reply.set_type(type);
  reply.set_client(task.client());
  reply.set_seq(task.seq());
  reply.set_attempt(task.attempt());
  return reply;
}

std::string task_id(uint64_t client, uint64_t seq) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%016llx-%llu", static_cast<unsigned long long>(client),
                static_cast<unsigned long long>(seq));
  return buffer;
}

bool parse_task_id(const std::string& id, uint64_t& client, uint64_t& seq) {
  unsigned long long c = 0, q = 0;
  int end = 0;
  if (std::sscanf(id.c_str(), "%16llx-%llu%n", &c, &q, &end) != 2 ||
      static_cast<size_t>(end) != id.size())
    return false;
  client = c;
  seq = q;
  return true;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace herd::wire
