#include "support/temp_dir.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <stdexcept>

namespace herd::test {

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  const char* keep = std::getenv("HERD_TEST_KEEP");
  if (keep && *keep == '1') return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace herd::test
