// Launchers: how `herd cluster start --launcher local|ssh|mpi|slurm` starts
// its engines. The controller always runs where `cluster start` runs; a
// launcher starts the engines elsewhere, each under a host supervisor
// (`herd cluster host`, the same Supervisor with the same restart rules as
// a local cluster's), and stops them again.
//
// What a launcher started is recorded in the profile's run/launcher.json
// (hosts and their profiles, the mpiexec pid, the Slurm job id), so that
// `herd cluster stop` can stop it even when the cluster's supervisor was
// killed, and `herd status` can show it. `herd cluster engines --n N` on
// a launched cluster starts its engines through the same launcher, as a
// launch of its own recorded in run/launcher-TAG.json (TAG numbers it).
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
  // A launch added by `herd cluster engines`: "" for the cluster's own, or
  // the number that names its record and keeps its hosts' profiles and
  // log files apart from the others'.
  std::string tag;
  int first_slot = 0;  // slot number of its first engine (names its log file)
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
// The launcher options given on `cl`, as arguments ("--hosts=a,b=4", …) that
// make_joining_launcher takes back: run/cluster.json keeps them.
std::vector<std::string> launcher_arguments(const CommandLine& cl);
// The launcher of a running cluster started with `launcher_args`, for
// `herd cluster engines --n N`: context.engines more engines, started the
// way the cluster's were (ssh: spread over its hosts in turn, from the
// first; mpi: a new mpiexec of N ranks; slurm: a new job of N tasks).
// Claims a tag for the launch. nullptr for a local cluster.
std::unique_ptr<Launcher> make_joining_launcher(const std::vector<std::string>& launcher_args,
                                                LaunchContext context);

// `herd cluster stop`'s part: stops what run/launcher.json records is
// still running (a supervisor killed outright did not); returns what could
// not be stopped, as Launcher::stop.
std::vector<std::string> stop_recorded_launch(const herd::Profile& profile,
                                              std::chrono::milliseconds bound);
// Whether any launch is recorded (run/launcher*.json).
bool launch_recorded(const herd::Profile& profile);
// What run/launcher*.json record, the cluster's own launch first, then the
// launches of `herd cluster engines`: for `herd status`.
std::vector<nlohmann::json> launch_records(const herd::Profile& profile);

// Used by the launchers themselves: the record of the launch `context`
// describes (its tag names the file).
void write_launch_record(const LaunchContext& context, const nlohmann::json& record);
void remove_launch_record(const LaunchContext& context);
// "" for the cluster's own launch, else "+TAG": sets apart what a launch
// added by `herd cluster engines` names (files, profiles).
std::string tag_suffix(const LaunchContext& context);

// The `herd cluster host` arguments that run `engines` engines of the
// cluster under one host supervisor, after the program (`herd` or
// --remote-herd) itself.
std::vector<std::string> host_supervisor_arguments(const LaunchContext& context,
                                                   const std::string& profile, long engines);

// The arguments of a rank's host supervisor in an mpiexec or Slurm job (one
// engine per rank, the cluster's engine.json read by path), after the
// program itself.
std::vector<std::string> ranked_supervisor_arguments(const LaunchContext& context);
// Fails unless --n (context.engines) suits a job of one engine per rank.
// Throws UsageError.
void check_job_size(const CommandLine& cl, const LaunchContext& context);

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
