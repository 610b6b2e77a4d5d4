// A throw-away herd cluster for a benchmark: started with the real `herd`
// CLI in a temporary HERD_DIR, its engines loading the bench task library,
// and stopped (the folder removed) when the object goes.
#pragma once

#include <filesystem>
#include <string>

#include "config.hpp"

namespace herd::bench {

// The start command of a bench cluster, without paths, for reports; `engines`
// is text so that a note can say "2|4".
std::string cluster_command(const std::string& engines, unsigned hwm, Security security);

class LocalCluster {
 public:
  // `engines` may be 0: the controller alone. `hwm` is passed as --hwm
  // (tasks outstanding per engine); kInsecure adds --insecure. Throws
  // std::runtime_error if the cluster does not start within 60 s.
  LocalCluster(int engines, unsigned hwm, Security security);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // Starts `n` more engines (herd cluster engines); returns once they registered.
  void add_engines(int n);

  const std::filesystem::path& client_file() const { return client_file_; }
  // For peers that speak the engine protocol themselves (FakeEngines).
  std::filesystem::path engine_file() const { return client_file_.parent_path() / "engine.json"; }
  // The start command, without paths, for reports.
  std::string describe() const;

 private:
  // Stops whatever runs in dir_ and removes it.
  void stop() noexcept;

  std::filesystem::path dir_;
  std::filesystem::path client_file_;
  int engines_;
  unsigned hwm_;
  Security security_;
};

}  // namespace herd::bench
