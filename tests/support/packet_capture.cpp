#include "support/packet_capture.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace herd::test {

namespace {

constexpr int kPollStepMs = 100;  // how long stopping may wait for the thread
constexpr size_t kMaxKept = size_t{256} << 20;
constexpr size_t kMaxPacket = 256 * 1024;  // loopback's MTU is 64 KiB; GSO can be more

}  // namespace

std::unique_ptr<PacketCapture> PacketCapture::open(const std::string& interface, std::string& why) {
  const unsigned index = ::if_nametoindex(interface.c_str());
  if (index == 0) {
    why = "no interface " + interface + ": " + std::strerror(errno);
    return nullptr;
  }
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) {
    why = std::string("AF_PACKET sockets are not permitted here (needs CAP_NET_RAW): ") +
          std::strerror(errno);
    return nullptr;
  }
  // Room for bursts between two reads; as root the system limit does not apply.
  const int buffer = 16 << 20;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = static_cast<int>(index);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    why = "cannot bind a packet socket to " + interface + ": " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<PacketCapture>(new PacketCapture(fd));
}

PacketCapture::PacketCapture(int fd) : fd_(fd), thread_([this] { run(); }) {}

PacketCapture::~PacketCapture() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

void PacketCapture::run() {
  std::vector<char> buffer(kMaxPacket);
  while (!stop_) {
    pollfd item{fd_, POLLIN, 0};
    if (::poll(&item, 1, kPollStepMs) <= 0) continue;
    for (;;) {  // everything queued, then poll again
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC);
      if (n <= 0) break;
      const size_t kept = std::min(static_cast<size_t>(n), buffer.size());
      std::lock_guard lock(mutex_);
      ++packets_;
      bytes_ += static_cast<size_t>(n);
      if (captured_.size() + kept <= kMaxKept) captured_.append(buffer.data(), kept);
    }
  }
}

bool PacketCapture::contains(const std::string& needle) const {
  std::lock_guard lock(mutex_);
  return captured_.find(needle) != std::string::npos;
}

size_t PacketCapture::packets() const {
  std::lock_guard lock(mutex_);
  return packets_;
}

size_t PacketCapture::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace herd::test
