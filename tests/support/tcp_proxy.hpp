// A TCP proxy on 127.0.0.1 that a test controls: it relays bytes between
// its clients and one target port, and can cut every connection at once
// (with a reset, as a broken link or `ss -K` would), so a test can see what
// a reconnect does to a session. Runs on its own thread until destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace herd::test {

class TcpProxy {
 public:
  // Listens on an ephemeral port of 127.0.0.1. Throws std::runtime_error.
  explicit TcpProxy(uint16_t target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  // Resets every connection open now; new ones are relayed as before.
  void cut();
  // Connections cut so far.
  int cuts() const { return cuts_; }

 private:
  void run();

  const uint16_t target_port_;
  int listener_ = -1;
  int wake_ = -1;  // eventfd: cut() or stop
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false}, cut_{false};
  std::atomic<int> cuts_{0};
  std::thread thread_;
};

}  // namespace herd::test
