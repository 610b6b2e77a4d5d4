// An engine: connects to a controller, registers the tasks it offers and runs
// them one at a time on a task thread, while its main thread keeps the socket
// and heartbeats, so a long task never silences it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace herd::engine {

struct EngineOptions {
  std::string url;                     // the controller's engine address
  std::vector<std::string> libraries;  // task libraries to dlopen
  uint32_t restarts = 0;               // reported in status; set by a supervisor
};

// The exit code of an engine the controller recycled (a task overran its
// timeout or ignored abort()): a supervisor restarts it.
inline constexpr int kRecycledExitCode = 3;

// Loads the task libraries; throws std::runtime_error naming a library that
// fails to load.
void load_task_libraries(const std::vector<std::string>& libraries);

// Runs until `stop` becomes true or the controller refuses the engine.
// Returns the process exit code: 0 after a clean stop, 2 when refused.
int run_engine(const EngineOptions& options, const std::atomic<bool>& stop);

}  // namespace herd::engine
