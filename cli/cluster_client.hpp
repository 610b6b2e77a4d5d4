// A client of the profile's running cluster, for the commands that ask it
// something (herd status, herd tasks, herd result).
#pragma once

#include <chrono>

#include "herd/client.hpp"
#include "options.hpp"

namespace herd::cli {

// Throws herd::Error, in words fit for a user, when no cluster runs for
// the profile. `timeout` bounds the wait for a controller that is silent.
herd::Client cluster_client(const CommandLine& cl, std::chrono::milliseconds timeout);

}  // namespace herd::cli
