// The processes of one cluster on this host: at most one controller and any
// number of engines, each started as `herd controller|engine … --no-log-file`
// with its output appended to the profile's log/ folder.
//
// Each child sits in a slot that keeps its command line, so that an engine
// that dies can be started again (it then reports its restart count). An
// engine also gets the write end of a pipe (herd engine --status-fd), on
// which it announces an exit it means (exit_announcement.hpp): only such an
// exit is believed to be a stop, a refusal, a recycling or a retirement;
// any other is a crash, whatever its code. While it runs, a child has
// a pid file in run/ (controller.pid, engine-<pid>.pid); so does the
// supervisor itself (supervisor-<pid>.pid), which is how `herd cluster stop`
// finds it.
//
// Not thread-safe: one thread drives it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
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
    int status_fd = -1;            // engines: the read end of the announcement pipe
    std::uintmax_t log_start = 0;  // where this run's output begins in its log
  };

  // How a child ended.
  enum class Ending {
    kStopped,   // a clean stop: exit code 0, announced (the controller: 0)
    kRefused,   // refused by the controller, announced: not restarted
    kRecycled,  // recycled by the controller, announced: restarted at once
    kRetired,   // retired on request, announced: not restarted
    kCrashed,   // anything else: restarted with back-off
  };

  // A child that exited, as it was when it ran.
  struct Exit {
    size_t slot_id = 0;
    Slot slot;
    int wait_status = 0;
    std::optional<int> announced;  // the exit code the engine announced

    Ending ending() const;
    // Whether it died, to be restarted: crashed or recycled.
    bool died() const;
    bool recycled() const { return ending() == Ending::kRecycled; }
    bool refused() const { return ending() == Ending::kRefused; }
    // Why a crashed engine ended, for the controller (which fails its task
    // with it) and the log: "killed by signal 9 (SIGKILL)", "the task called
    // exit(0)" (an exit the engine did not announce).
    std::string cause() const;
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

  // Plans to start again the child of an exit if it died: an engine, or
  // the controller (which takes its old ports and keys from the profile).
  // A recycled engine restarts at once; for other deaths the delay grows
  // with quick successive deaths, and after too many the slot is given up
  // (recycles do not count: a timeout is not a crash). Returns the delay,
  // or nullopt if it stays down.
  std::optional<std::chrono::milliseconds> schedule_restart(const Exit& exit);
  // Starts the children whose planned restart is due; one that cannot be
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

  // Stops every child, the controller first: it answers every open task
  // with "cluster stopped" before its engines go, which would otherwise
  // fail running tasks as lost engines. SIGTERM, then SIGKILL to those
  // still running after `grace`. Removes their pid files.
  void stop_all(std::chrono::milliseconds grace);

 private:
  pid_t launch(Slot& slot);
  // What the slot's engine announced before it exited; closes the pipe.
  static std::optional<int> read_announcement(Slot& slot);
  void stop_role(Role role, std::chrono::milliseconds grace);

  herd::Profile profile_;
  std::string log_level_;
  std::filesystem::path own_pid_file_;
  std::vector<Slot> slots_;
};

// How long stop_all waits for a child before SIGKILL when a cluster shuts down.
inline constexpr std::chrono::seconds kStopGrace{5};

}  // namespace herd::cli
