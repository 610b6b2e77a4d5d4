// A throw-away herd cluster for a benchmark: started with the real `herd`
// CLI in a temporary HERD_DIR, stopped when the object goes.
#pragma once

#include <filesystem>
#include <string>

namespace herd::bench {

class LocalCluster {
 public:
  LocalCluster(int engines, const std::string& task_library);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;
  const std::filesystem::path& client_file() const { return client_file_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path client_file_;
};

}  // namespace herd::bench
