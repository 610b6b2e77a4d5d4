// The processes of one cluster on this host: at most one controller and any
// number of engines, each started as `herd controller|engine … --no-log-file`
// with its output appended to the profile's log/ folder.
//
// Each child sits in a slot that keeps its command line, so that an engine
// that dies can be started again (it then reports its restart count). While
// it runs, a child has
// a pid file in run/ (controller.pid, engine-<pid>.pid); so does the
// supervisor itself (supervisor-<pid>.pid), which is how `herd cluster stop`
// finds it.
//
// Not thread-safe: one thread drives it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "herd/profile.hpp"
#include "pid_files.hpp"

namespace herd::cli {

class Supervisor {
 public:
  using Clock = std::chrono::steady_clock;

  struct Slot {
    Role role;
    int index = 0;                     // engines: log/engine-<index>.log; 0 for the controller
    std::vector<std::string> options;  // passed after the common ones
    pid_t pid = 0;                     // 0 while not running
    unsigned restarts = 0;
    Clock::time_point started{};
    unsigned quick_failures = 0;  // deaths in a row, each soon after its start
    std::optional<Clock::time_point> restart_at{};
  };

  // A child that exited, as it was when it ran.
  struct Exit {
    size_t slot_id = 0;
    Slot slot;
    int wait_status = 0;

    // Whether it died: a signal, or an exit code other than 0 (a clean
    // stop) and 2 (refused by the controller). Recycled engines (exit code
    // herd::engine::kRecycledExitCode) die too.
    bool died() const;
    // Whether the controller recycled the engine.
    bool recycled() const;
    // Whether the controller refused the engine (kRefusedExitCode).
    bool refused() const;
  };

  // Writes the supervisor's own pid file. Throws std::runtime_error.
  Supervisor(herd::Profile profile, std::string log_level);
  // Stops whatever still runs (as stop_all) and removes the own pid file.
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Start a child in a new slot and return its pid. `options` are the
  // command's own options (for engines: --file, --load …). Throw
  // std::runtime_error if the process cannot be started.
  pid_t start_controller(std::vector<std::string> options);
  pid_t start_engine(int index, std::vector<std::string> options);

  // Reaps the children that have exited since the last call; their slots
  // remain, with pid 0, and their pid files are removed.
  std::vector<Exit> reap();

  // Plans to start again the engine of an exit if it died. A recycled
  // engine restarts at once; for other deaths the delay grows with quick
  // successive deaths, and after too many the slot is given up (recycles
  // do not count: a timeout is not a crash). Returns the delay, or nullopt
  // if it stays down.
  std::optional<std::chrono::milliseconds> schedule_restart(const Exit& exit);
  // Starts the engines whose planned restart is due; one that cannot be
  // started is logged and stays down.
  void restart_due();

  pid_t controller_pid() const;  // 0 if none runs
  std::vector<pid_t> engine_pids() const;
  // Whether a child runs or is to be restarted.
  bool any_running() const;
  // "controller" or "engine 3", for messages.
  static std::string name(const Slot& slot);
  // The file a slot's output goes to.
  std::filesystem::path log_file(const Slot& slot) const;

  // Stops every child, engines before the controller (so engines leave a
  // controller that still listens): SIGTERM, then SIGKILL to those still
  // running after `grace`. Removes their pid files.
  void stop_all(std::chrono::milliseconds grace);

 private:
  pid_t launch(Slot& slot);
  void stop_role(Role role, std::chrono::milliseconds grace);

  herd::Profile profile_;
  std::string log_level_;
  std::filesystem::path own_pid_file_;
  std::vector<Slot> slots_;
};

// How long stop_all waits for a child before SIGKILL when a cluster shuts down.
inline constexpr std::chrono::seconds kStopGrace{5};

}  // namespace herd::cli
