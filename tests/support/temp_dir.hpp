// A fresh, empty folder under /tmp for one test; removed by its destructor
// unless HERD_TEST_KEEP=1 is set (to look at a failed test's files).
#pragma once

#include <filesystem>
#include <string>

namespace herd::test {

class TempDir {
 public:
  // Throws std::runtime_error if mkdtemp fails.
  explicit TempDir(const std::string& prefix = "herd-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace herd::test
