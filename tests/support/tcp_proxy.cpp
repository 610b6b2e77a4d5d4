#include "support/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

namespace herd::test {

namespace {

constexpr int kPollMs = 50;

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

// Closes with a reset rather than an orderly shutdown.
void reset(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
}

struct Pair {
  int a = -1, b = -1;
};

// Moves what is readable on `from` to `to`; false once either side is done.
bool relay(int from, int to) {
  char buffer[65536];
  const ssize_t n = ::read(from, buffer, sizeof buffer);
  if (n <= 0) return false;
  for (ssize_t sent = 0; sent < n;) {
    const ssize_t w = ::send(to, buffer + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
    if (w <= 0) return false;
    sent += w;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(uint16_t target_port) : target_port_(target_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("TcpProxy: cannot listen on 127.0.0.1");
  port_ = ntohs(addr.sin_port);
  wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  const uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
  thread_.join();
  ::close(listener_);
  ::close(wake_);
}

void TcpProxy::cut() {
  cut_ = true;
  const uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
}

void TcpProxy::run() {
  std::vector<Pair> pairs;
  while (!stop_) {
    std::vector<pollfd> fds = {{listener_, POLLIN, 0}, {wake_, POLLIN, 0}};
    for (const Pair& p : pairs) {
      fds.push_back({p.a, POLLIN, 0});
      fds.push_back({p.b, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), kPollMs) < 0) continue;
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      (void)!::read(wake_, &count, sizeof count);
    }
    if (cut_.exchange(false)) {
      for (const Pair& p : pairs) {
        reset(p.a);
        reset(p.b);
        ++cuts_;
      }
      pairs.clear();
      continue;
    }
    std::vector<Pair> kept;
    for (size_t i = 0; i < pairs.size(); ++i) {
      const Pair& p = pairs[i];
      const short ra = fds[2 + 2 * i].revents, rb = fds[3 + 2 * i].revents;
      bool open = true;
      if (ra & (POLLIN | POLLHUP | POLLERR)) open = relay(p.a, p.b);
      if (open && (rb & (POLLIN | POLLHUP | POLLERR))) open = relay(p.b, p.a);
      if (open) {
        kept.push_back(p);
      } else {
        ::close(p.a);
        ::close(p.b);
      }
    }
    pairs.swap(kept);
    if (fds[0].revents & POLLIN) {
      const int a = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (a < 0) continue;
      const int b = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in target = loopback(target_port_);
      if (b < 0 || ::connect(b, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
        ::close(a);
        if (b >= 0) ::close(b);
        continue;
      }
      pairs.push_back({a, b});
    }
  }
  for (const Pair& p : pairs) {
    ::close(p.a);
    ::close(p.b);
  }
}

}  // namespace herd::test
