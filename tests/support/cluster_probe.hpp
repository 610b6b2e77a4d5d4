// Bounded waits on a cluster's state, for tests that must act while a task
// runs: polling status() is the only way to see which engine took a task.
#pragma once

#include <chrono>
#include <optional>
#include <thread>

#include "herd/client.hpp"

namespace herd::test {

// Polls status() every 50 ms, up to `timeout`, until `pred(status)` holds;
// returns that status, or nullopt on timeout.
template <class Pred>
std::optional<herd::ClusterStatus> wait_for_status(herd::Client& client, Pred pred,
                                                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    try {
      herd::ClusterStatus s = client.status(std::chrono::seconds(5));
      if (pred(s)) return s;
    } catch (const herd::TimeoutError&) {
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// The one live engine with a task outstanding, once there is exactly one.
inline std::optional<herd::EngineInfo> wait_for_one_busy_engine(herd::Client& client,
                                                                std::chrono::milliseconds timeout) {
  auto busy = [](const herd::ClusterStatus& s) {
    size_t n = 0;
    for (const auto& e : s.engines) n += e.state == "busy";
    return n == 1;
  };
  const auto s = wait_for_status(client, busy, timeout);
  if (!s) return std::nullopt;
  for (const auto& e : s->engines)
    if (e.state == "busy") return e;
  return std::nullopt;
}

}  // namespace herd::test
