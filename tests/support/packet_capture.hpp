// Captures the raw bytes that cross one network interface (e.g. "lo") while
// a test runs, with an AF_PACKET socket read on a thread of its own, so a
// test can check whether a string travelled in the clear. Needs root
// (CAP_NET_RAW); `open` says why when it cannot capture.
// Thread-safe: the calls may come from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace herd::test {

class PacketCapture {
 public:
  // Starts capturing on `interface`. Returns null and sets `why` when the
  // interface is unknown or raw sockets are not permitted here.
  static std::unique_ptr<PacketCapture> open(const std::string& interface, std::string& why);
  // Stops the capture thread (within its 100 ms poll step) and closes the socket.
  ~PacketCapture();
  PacketCapture(const PacketCapture&) = delete;
  PacketCapture& operator=(const PacketCapture&) = delete;

  // Whether `needle` occurs in the bytes captured so far (packets kept
  // back to back, headers included): a marker that travelled in the clear
  // within one packet is found.
  bool contains(const std::string& needle) const;
  // Packets and bytes captured so far (bounded: after 256 MiB, later
  // packets are counted but not kept).
  size_t packets() const;
  size_t bytes() const;

 private:
  explicit PacketCapture(int fd);
  void run();

  const int fd_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::string captured_;  // packets back to back
  size_t packets_ = 0;
  size_t bytes_ = 0;
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace herd::test
