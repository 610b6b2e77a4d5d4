// A cluster supervisor's life: start the processes, wait until every engine
// has registered with the controller, report "ready", watch the processes
// until told to stop, then stop them. Used by `herd cluster start` (with a
// controller) and `herd cluster engines` (joining a running controller).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon.hpp"
#include "herd/profile.hpp"
#include "launcher.hpp"

namespace herd::cli {

struct ClusterPlan {
  herd::Profile profile;
  std::string log_level = "info";
  // Arguments for a controller to start; nullopt: join the profile's running one.
  std::optional<std::vector<std::string>> controller;
  int engines = 0;
  int first_engine = 0;                     // slot number of the first engine (names its log file)
  std::vector<std::string> engine_options;  // --load …
  std::chrono::milliseconds timeout{30'000};
  std::filesystem::path engine_file;     // the engines' --file; empty: the profile's engine.json
  std::string log_name = "cluster.log";  // in the profile's log/, unless daemonized
  // Engines started elsewhere (ssh, mpi, slurm) that the start waits for as
  // well, and that are stopped with the cluster; null: only our own.
  std::shared_ptr<Launcher> launcher;
  // A launcher's host supervisor (herd cluster host): it may hold only the
  // engine key, so it reports ready once its engines run (the controller's
  // side watches them register), and sends death notices only where it
  // finds the profile's supervisor.json.
  bool host_only = false;
};

// Runs the plan in this process and returns its exit code. Reports "ready …"
// or the error through `report`; on failure, everything it started is gone
// before the report, within plan.timeout. Once ready, it runs until SIGINT or
// SIGTERM, until the controller it started exits, or until nothing it started
// runs any more.
int run_cluster(const ClusterPlan& plan, StartupReport& report);

// Runs the plan in this process, or with `daemonize` in a background child
// while this process waits for its report. Returns the exit code.
int start_cluster(const ClusterPlan& plan, bool daemonize);

}  // namespace herd::cli
