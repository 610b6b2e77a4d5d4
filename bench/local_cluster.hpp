// A throw-away herd cluster for a benchmark: started with the real `herd`
// CLI in a temporary HERD_DIR, its engines loading the bench task library,
// and stopped (the folder removed) when the object goes.
#pragma once

#include <filesystem>
#include <string>

namespace herd::bench {

class LocalCluster {
 public:
  // `engines` may be 0: the controller alone. `hwm` is passed as --hwm
  // (tasks outstanding per engine). Throws std::runtime_error if the
  // cluster does not start within 60 s.
  LocalCluster(int engines, unsigned hwm);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // Starts `n` more engines (herd cluster engines); returns once they registered.
  void add_engines(int n);

  const std::filesystem::path& client_file() const { return client_file_; }
  // The start command, without paths, for reports.
  std::string describe() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path client_file_;
  int engines_;
  unsigned hwm_;
};

}  // namespace herd::bench
