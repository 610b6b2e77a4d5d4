// A task's identity across the cluster: the submitting client's random key
// and that client's sequence number.
#pragma once

#include <cstdint>
#include <functional>

namespace herd::controller {

struct TaskKey {
  uint64_t client = 0;
  uint64_t seq = 0;
  friend bool operator==(const TaskKey&, const TaskKey&) = default;
};

struct TaskKeyHash {
  size_t operator()(const TaskKey& k) const noexcept {
    return std::hash<uint64_t>()(k.client * 0x9E3779B97F4A7C15ULL ^ k.seq);
  }
};

}  // namespace herd::controller
