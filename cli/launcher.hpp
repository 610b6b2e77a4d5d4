// Launchers: how `herd cluster start --launcher local|ssh|mpi|slurm` starts
// its engines. The controller always runs where `cluster start` runs; a
// launcher starts the engines elsewhere, each under a host supervisor
// (`herd cluster host`, the same Supervisor with the same restart rules as
// a local cluster's), and stops them again.
//
// What a launcher started is recorded in the profile's run/launcher.json
// (hosts and their profiles, the mpiexec pid, the Slurm job id), so that
// `herd cluster stop` can stop it even when the cluster's supervisor was
// killed, and `herd status` can show it.
//
// Not thread-safe: the cluster supervisor's one thread drives it.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "herd/profile.hpp"
#include "options.hpp"

namespace herd::cli {

// What every launcher needs from `cluster start`.
struct LaunchContext {
  herd::Profile profile;
  std::string log_level = "info";
  std::vector<std::string> load_arguments;  // --load ABS …
  long engines = 0;                         // --n
};

class Launcher {
 public:
  virtual ~Launcher() = default;

  // Starts the engines; the controller is up and has written engine.json.
  // Returns quickly; registration is watched by the caller. Throws
  // std::runtime_error.
  virtual void start() = 0;
  // How many engines it starts.
  virtual int engines() const = 0;
  // A failure that leaves engines missing (a host supervisor that did not
  // start, mpiexec gone) noticed since the last call, or "". Never blocks.
  virtual std::string trouble() = 0;
  // When --timeout runs out with engines missing: the line to report
  // instead of failing ("pending slurm_job=ID"), or "" to fail.
  virtual std::string pending() { return ""; }
  // Stops what it started, within about `bound`; returns what it could not
  // stop, one line each ("host b: ssh: connect to host b …"). Once all is
  // stopped the record goes.
  virtual std::vector<std::string> stop(std::chrono::milliseconds bound) = 0;
};

// --launcher, --hosts, --ssh-command, --remote-herd, --mpi-args, --slurm-args.
void add_launcher_options(CommandLine& cl);
// The launcher the command line asks for, or nullptr for `local` (the
// supervisor's own engines). Throws UsageError.
std::unique_ptr<Launcher> make_launcher(const CommandLine& cl, LaunchContext context);

// `herd cluster stop`'s part: stops what run/launcher.json records is
// still running (a supervisor killed outright did not); returns what could
// not be stopped, as Launcher::stop.
std::vector<std::string> stop_recorded_launch(const herd::Profile& profile,
                                              std::chrono::milliseconds bound);
// What run/launcher.json records, or null: for `herd status`.
nlohmann::json launch_record(const herd::Profile& profile);

// Used by the launchers themselves.
std::filesystem::path launch_record_file(const herd::Profile& profile);
void write_launch_record(const herd::Profile& profile, const nlohmann::json& record);
void remove_launch_record(const herd::Profile& profile);

// The `herd cluster host` arguments that run `engines` engines of the
// cluster under one host supervisor, after the program (`herd` or
// --remote-herd) itself.
std::vector<std::string> host_supervisor_arguments(const LaunchContext& context,
                                                   const std::string& profile, long engines);

// The launchers, each in its own file.
std::unique_ptr<Launcher> make_ssh_launcher(const CommandLine& cl, LaunchContext context);
std::unique_ptr<Launcher> make_mpi_launcher(const CommandLine& cl, LaunchContext context);
std::unique_ptr<Launcher> make_slurm_launcher(const CommandLine& cl, LaunchContext context);
std::vector<std::string> stop_recorded_ssh(const nlohmann::json& record,
                                           std::chrono::milliseconds bound);
std::vector<std::string> stop_recorded_mpi(const nlohmann::json& record,
                                           std::chrono::milliseconds bound);
std::vector<std::string> stop_recorded_slurm(const nlohmann::json& record,
                                             std::chrono::milliseconds bound);

}  // namespace herd::cli
