#include "cluster_client.hpp"

#include <filesystem>

#include "herd/error.hpp"
#include "herd/profile.hpp"

namespace herd::cli {

herd::Client cluster_client(const CommandLine& cl, std::chrono::milliseconds timeout) {
  const auto profile = cl.profile();
  if (!std::filesystem::exists(profile.client_file()))
    throw herd::Error("no cluster running for profile " + profile.name() + " (no " +
                      profile.client_file().string() + ")");
  // A connection file outlives its controller (a restart reuses the ports);
  // the client says at once when the controller it names has exited.
  return herd::Client(profile.client_file(), {.connection_timeout = timeout});
}

}  // namespace herd::cli
