// Changing a running cluster's engine set from the command line: starting
// engines like the cluster's own, retiring engines, and telling the
// controller that engines are on their way. Shared by `herd cluster
// engines` and `herd cluster reload`.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "cluster_runner.hpp"
#include "herd/profile.hpp"
#include "options.hpp"

namespace herd::cli {

// A plan that starts `engines` engines for the profile's running cluster
// with the cluster's own options (run/cluster.json): its --load list unless
// the command line gives one, its log level unless given. Throws
// herd::Error if no cluster runs for the profile.
ClusterPlan joining_plan(const CommandLine& cl, int engines);

// What a launcher needs of the plan: its profile, log level, --load list,
// engine count and first slot.
LaunchContext launch_context(const ClusterPlan& plan);

// For `herd cluster engines --n N`: a cluster started with a launcher (ssh,
// mpi, slurm; run/cluster.json) gets the plan's engines through it, started
// the way its own were, instead of on this host. Throws UsageError if the
// kept launcher options no longer parse.
void use_cluster_launcher(ClusterPlan& plan);

// Starts the plan in a daemon, telling the controller first that engines
// are coming, so that a task only they offer waits for them instead of
// failing with UnknownTask; the hold ends once they are ready (or not).
int start_joining(const ClusterPlan& plan);

// `herd cluster engines --remove ID…` (the ids in option "remove") or
// `--n -K` (`count` = K): retires them, waits up to --timeout until they
// have left, and says which did. Returns the exit code.
int retire_engines(const CommandLine& cl, uint32_t count);

// Asks the controller to retire `ids`, or the `count` least busy engines
// when `ids` is empty; returns the engines it retires. Throws herd::Error
// with the controller's words ("no live engine 7") when it refuses.
std::vector<uint32_t> request_retirement(const herd::Profile& profile,
                                         const std::vector<uint32_t>& ids, uint32_t count,
                                         std::chrono::milliseconds timeout);

// Waits until the controller has given up each of `ids` (retired, or
// lost); returns those still live at `deadline`.
std::vector<uint32_t> wait_until_retired(const herd::Profile& profile, std::vector<uint32_t> ids,
                                         std::chrono::steady_clock::time_point deadline);

// The live engines that are not retiring, by id.
std::vector<uint32_t> serving_engines(const herd::Profile& profile,
                                      std::chrono::milliseconds timeout);

}  // namespace herd::cli
