// Many engines inside this process: one DEALER each, all served by one
// thread, speaking the real engine protocol (HELLO, WELCOME, TASK → STARTED
// and RESULT, HEARTBEAT, BYE). They offer one task, noop(int), and answer it
// the way a real engine does, so the controller cannot tell them from
// engines; what they save is a process per engine, so 500 fit on a small
// machine.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <herd/profile.hpp>
#include <string>
#include <thread>

namespace herd::bench {

class FakeEngines {
 public:
  // Connects `count` engines to the engine address of `info` (an
  // engine.json: with CurveZMQ keys unless the cluster is --insecure) and
  // registers them, in the background (the controller's status tells when
  // they are in).
  FakeEngines(ConnectionInfo info, size_t count);
  // Says BYE for every engine and joins the thread.
  ~FakeEngines();
  FakeEngines(const FakeEngines&) = delete;
  FakeEngines& operator=(const FakeEngines&) = delete;

  uint64_t tasks_done() const { return tasks_done_; }
  // Empty unless the engines' thread died of an exception.
  std::string error() const;

 private:
  void run();

  const ConnectionInfo info_;
  const size_t count_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> tasks_done_{0};
  std::atomic<bool> failed_{false};
  std::string error_;  // written once by the thread before failed_
  std::thread thread_;
};

}  // namespace herd::bench
