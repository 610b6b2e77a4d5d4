// An engine: connects to a controller, registers the tasks it offers and runs
// them one at a time on a task thread, while its main thread keeps the socket
// and heartbeats, so a long task never silences it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "herd/profile.hpp"

namespace herd::engine {

struct EngineOptions {
  std::string url;                     // the controller's engine address
  CurveKeys curve;                     // empty: an insecure controller
  std::vector<std::string> libraries;  // task libraries to dlopen
  uint32_t restarts = 0;               // reported in status; set by a supervisor
  // Give up (exit code 1) if not registered within this long; 0: never.
  std::chrono::milliseconds connect_timeout{0};
};

// The exit code of an engine the controller refused (its key was rejected,
// or its protocol version differs): a supervisor does not restart it.
inline constexpr int kRefusedExitCode = 2;

// The exit code of an engine the controller recycled (a task overran its
// timeout or ignored abort()): a supervisor restarts it.
inline constexpr int kRecycledExitCode = 3;

// Loads the task libraries; throws std::runtime_error naming a library that
// fails to load.
void load_task_libraries(const std::vector<std::string>& libraries);

// Runs until `stop` becomes true or the controller refuses the engine.
// Returns the process exit code: 0 after a clean stop, kRefusedExitCode when
// refused, 1 when connect_timeout ran out.
int run_engine(const EngineOptions& options, const std::atomic<bool>& stop);

}  // namespace herd::engine
