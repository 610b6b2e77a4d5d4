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

class OutputCapture;

struct EngineOptions {
  std::string url;                     // the controller's engine address
  CurveKeys curve;                     // empty: an insecure controller
  std::vector<std::string> libraries;  // task libraries to dlopen
  uint32_t restarts = 0;               // reported in status; set by a supervisor
  // Give up (exit code 1) if not registered within this long; 0: never.
  std::chrono::milliseconds connect_timeout{0};
  // Takes what tasks write, to send it back with their results; null: left
  // where it goes (the engine's stdout and stderr).
  OutputCapture* capture = nullptr;
};

// The exit codes a supervisor acts on (SPEC.md, "Engine exit codes"). A
// task can exit the process with any code, so a supervisor believes one only
// if the engine announced it first (exit_announcement.hpp); every other exit
// is a crash. A clean stop (0) is announced too.
//
// The controller refused the engine (its key was rejected, or its protocol
// version differs): a supervisor does not restart it.
inline constexpr int kRefusedExitCode = 2;
// The controller recycled the engine (a task overran its timeout or ignored
// abort()): a supervisor restarts it at once.
inline constexpr int kRecycledExitCode = 3;
// The engine was retired on request: a supervisor does not restart it.
inline constexpr int kRetiredExitCode = 4;

// Loads the task libraries; throws std::runtime_error naming a library that
// fails to load.
void load_task_libraries(const std::vector<std::string>& libraries);

// Runs until `stop` becomes true or the controller refuses the engine.
// Returns the process exit code: 0 after a clean stop, kRefusedExitCode when
// refused, 1 when connect_timeout ran out; the caller announces it. Exits
// the process itself (announced) when recycled, or when it stops with a task
// still running.
int run_engine(const EngineOptions& options, const std::atomic<bool>& stop);

}  // namespace herd::engine
