// The options of a running cluster that its engines need, kept by `herd
// cluster start` in the profile's run/cluster.json (mode 0600), so that
// `herd cluster engines` and `herd cluster reload` start engines like the
// cluster's own: the same task libraries, log level and launcher.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cluster_runner.hpp"
#include "herd/profile.hpp"
#include "options.hpp"

namespace herd::cli {

struct ClusterOptions {
  std::vector<std::string> load;  // task libraries, absolute paths
  std::string log_level = "info";
  long heartbeat_interval_ms = 1000;
  long heartbeat_misses = 3;
  std::string launcher = "local";
  std::vector<std::string> launcher_args;  // launcher_arguments(): --hosts=…, --ssh-command=…
  long engines = 0;                        // as started
};

// Writes run/cluster.json. Throws std::runtime_error.
void write_cluster_options(const herd::Profile& profile, const ClusterOptions& options);
// Reads run/cluster.json; nullopt if the cluster was started without one
// (by an older herd). Throws herd::Error if it is unreadable.
std::optional<ClusterOptions> read_cluster_options(const herd::Profile& profile);

// What `herd cluster start` keeps of its command line `cl` (which has the
// controller's, launcher's and --load options) and of its plan. Throws std::runtime_error.
void keep_cluster_options(const CommandLine& cl, const ClusterPlan& plan);

// Paths as the user gave them, made absolute against the working directory:
// the engines may start elsewhere (a daemon, another command's directory).
std::vector<std::string> absolute_paths(const std::vector<std::string>& paths);

}  // namespace herd::cli
